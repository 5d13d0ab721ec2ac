//! What the schedule part keeps bounded: stored error texts, pages of
//! schedules, and the cursor between pages. Pure.

use std::borrow::Cow;

/// Longest error text kept in a schedule's `last_error`, in bytes (4 KiB).
/// A longer text is cut at a character boundary and ends with
/// `… (N bytes in all)`.
pub const MAX_ERROR_BYTES: usize = 4 * 1024;

/// Most schedules one page holds (`get_schedules_page`), and the most
/// `get_schedules` returns: 1,000.
pub const MAX_SCHEDULES_PAGE: usize = 1_000;

/// Most payload bytes one page holds (8 MiB); a page always holds at least
/// one schedule, so a page's payloads stay under 8.5 MiB.
pub const MAX_SCHEDULES_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// `text`, or its head and `… (N bytes in all)` within [`MAX_ERROR_BYTES`].
pub(crate) fn truncate_error(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_ERROR_BYTES {
        return Cow::Borrowed(text);
    }
    let tail = format!("… ({} bytes in all)", text.len());
    let mut end = MAX_ERROR_BYTES - tail.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}{tail}", &text[..end]))
}

/// Where a page ended: the (due time, insertion order) of its last schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) due_ms: i64,
    pub(crate) seq: i64,
}

impl Cursor {
    pub(crate) fn encode(self) -> String {
        format!("{}.{}", self.due_ms, self.seq)
    }

    /// The cursor a page handed out; `None` for any other text.
    pub(crate) fn decode(text: &str) -> Option<Cursor> {
        let (due, seq) = text.split_once('.')?;
        let plain =
            |s: &str| !s.is_empty() && s.bytes().enumerate().all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'));
        if !plain(due) || !plain(seq) {
            return None;
        }
        Some(Cursor { due_ms: due.parse().ok()?, seq: seq.parse().ok()? })
    }
}

/// How many of the candidates (payload sizes in order) fit one page of at
/// most `limit` schedules and `budget` payload bytes; at least one fits.
pub(crate) fn page_len(sizes: impl IntoIterator<Item = usize>, limit: usize, budget: usize) -> usize {
    let mut total = 0usize;
    let mut taken = 0;
    for size in sizes.into_iter().take(limit.max(1)) {
        total = total.saturating_add(size);
        if taken > 0 && total > budget {
            break;
        }
        taken += 1;
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_short_errors_and_cuts_long_ones_at_a_char_boundary() {
        assert_eq!(truncate_error("boom"), "boom");
        let exact = "e".repeat(MAX_ERROR_BYTES);
        assert_eq!(truncate_error(&exact), exact.as_str());
        let long = "é".repeat(3_000_000);
        let cut = truncate_error(&long);
        assert!(cut.len() <= MAX_ERROR_BYTES, "{}", cut.len());
        assert!(cut.len() > MAX_ERROR_BYTES - 30);
        assert!(cut.ends_with("… (6000000 bytes in all)"), "{}", &cut[cut.len() - 40..]);
        assert!(cut.trim_end_matches("… (6000000 bytes in all)").chars().all(|c| c == 'é'));
    }

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let cursor = Cursor { due_ms: 1_700_000_000_000, seq: 42 };
        assert_eq!(cursor.encode(), "1700000000000.42");
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("-5.1"), Some(Cursor { due_ms: -5, seq: 1 }));
        for bad in ["", ".", "1.", ".1", "1", "1.2.3", "a.1", "1.b", "+1.2", "1.-", " 1.2", "99999999999999999999.1"] {
            assert_eq!(Cursor::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_page_stops_at_its_count_or_its_bytes_but_holds_one() {
        assert_eq!(page_len([10, 10, 10], 2, 100), 2);
        assert_eq!(page_len([10, 10, 10], 5, 100), 3);
        assert_eq!(page_len([40, 40, 40], 5, 100), 2);
        assert_eq!(page_len([40, 60, 1], 5, 100), 2, "exactly the budget fits");
        assert_eq!(page_len([500, 1], 5, 100), 1, "one schedule larger than the budget");
        assert_eq!(page_len([], 5, 100), 0);
        assert_eq!(page_len([1, 1], 0, 100), 1, "a limit of 0 is read as 1");
        assert_eq!(page_len([usize::MAX, usize::MAX], 5, 100), 1);
    }
}
