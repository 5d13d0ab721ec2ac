//! Splitting large text at character boundaries, so a value bigger than one
//! SQLite row (2 MB in Durable Objects) can be stored across rows. Pure.

/// Bytes stored per row: well under the 2 MB row limit, and small enough
/// that a change to one part of a large value rewrites little of it.
pub(crate) const CHUNK_BYTES: usize = 256 << 10;

/// The length of `text` in UTF-16 code units (a JS string's length).
pub(crate) fn utf16_len(text: &str) -> u32 {
    let units = if text.is_ascii() { text.len() } else { text.chars().map(char::len_utf16).sum() };
    units as u32
}

/// Splits `text` into pieces of at most `max` bytes, never inside a UTF-8
/// character. `max` must be at least 4.
pub(crate) fn split_utf8(text: &str, max: usize) -> Vec<&str> {
    assert!(max >= 4, "chunk size must hold any UTF-8 character");
    let mut pieces = Vec::with_capacity(text.len() / max + 1);
    let mut rest = text;
    while rest.len() > max {
        let mut cut = max;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        pieces.push(head);
        rest = tail;
    }
    pieces.push(rest);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_text_is_one_piece() {
        assert_eq!(split_utf8("abc", 8), vec!["abc"]);
        assert_eq!(split_utf8("", 8), vec![""]);
    }

    #[test]
    fn splits_at_char_boundaries_and_rejoins() {
        let text = "aé€😀".repeat(1000);
        for max in [4, 5, 7, 64, 1000] {
            let pieces = split_utf8(&text, max);
            assert!(pieces.iter().all(|p| p.len() <= max), "max {max}");
            assert_eq!(pieces.concat(), text, "max {max}");
        }
    }

    #[test]
    fn utf16_length_counts_surrogate_pairs_twice() {
        assert_eq!(utf16_len(""), 0);
        assert_eq!(utf16_len("abc"), 3);
        assert_eq!(utf16_len("aé€😀"), 5);
        assert_eq!(utf16_len(&"é".repeat(1000)), 1000);
    }

    #[test]
    fn exact_multiple_has_no_empty_tail() {
        assert_eq!(split_utf8("abcdefgh", 4), vec!["abcd", "efgh"]);
    }
}
