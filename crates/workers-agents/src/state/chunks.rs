//! Where to cut a large JS string into pieces, so a value bigger than one
//! SQLite row (2 MB in Durable Objects) can be stored across rows. Pure: the
//! string is seen only through its length in UTF-16 units and a test for a
//! high surrogate at a position.

/// UTF-16 units stored per row. A unit takes at most 3 bytes of UTF-8, so a
/// row holds at most 768 KiB: well under the 2 MB row limit, and small
/// enough that a change to one part of a large value rewrites little of it.
pub(crate) const CHUNK_UNITS: u32 = 256 << 10;

/// The `(start, end)` ranges that cut `start..end` into pieces of at most
/// `max` units, never between the two halves of a surrogate pair (a lone
/// half would not survive the trip to UTF-8). `max` must be at least 2.
/// An empty range is one empty piece.
pub(crate) fn cuts(start: u32, end: u32, max: u32, is_high_surrogate: impl Fn(u32) -> bool) -> Vec<(u32, u32)> {
    assert!(max >= 2, "a piece must hold a surrogate pair");
    let mut pieces = Vec::with_capacity(((end - start) / max + 1) as usize);
    let mut from = start;
    loop {
        let mut to = end.min(from + max);
        if to < end && is_high_surrogate(to - 1) {
            to -= 1;
        }
        pieces.push((from, to));
        if to == end {
            return pieces;
        }
        from = to;
    }
}

/// A UTF-16 unit that opens a surrogate pair.
pub(crate) fn is_high_surrogate(unit: u16) -> bool {
    (0xD800..0xDC00).contains(&unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str, max: u32) -> Vec<String> {
        let units: Vec<u16> = text.encode_utf16().collect();
        cuts(0, units.len() as u32, max, |i| is_high_surrogate(units[i as usize]))
            .into_iter()
            .map(|(a, b)| String::from_utf16(&units[a as usize..b as usize]).expect("no lone surrogate"))
            .collect()
    }

    #[test]
    fn small_text_is_one_piece() {
        assert_eq!(pieces("abc", 8), vec!["abc"]);
        assert_eq!(pieces("", 8), vec![""]);
    }

    #[test]
    fn never_splits_a_surrogate_pair_and_rejoins() {
        let text = "aé€😀".repeat(1000);
        for max in [2, 3, 5, 7, 64, 1000] {
            let pieces = pieces(&text, max);
            assert!(pieces.iter().all(|p| p.encode_utf16().count() <= max as usize), "max {max}");
            assert!(pieces.iter().all(|p| !p.is_empty()), "max {max}");
            assert_eq!(pieces.concat(), text, "max {max}");
        }
    }

    #[test]
    fn exact_multiple_has_no_empty_tail() {
        assert_eq!(pieces("abcdefgh", 4), vec!["abcd", "efgh"]);
    }

    #[test]
    fn cuts_a_range_inside_a_longer_string() {
        assert_eq!(cuts(3, 10, 4, |_| false), vec![(3, 7), (7, 10)]);
    }

    #[test]
    fn high_surrogates_are_d800_to_dbff() {
        assert!(is_high_surrogate(0xD800) && is_high_surrogate(0xDBFF));
        assert!(!is_high_surrogate(0xDC00) && !is_high_surrogate(0xD7FF) && !is_high_surrogate(b'a'.into()));
    }
}
