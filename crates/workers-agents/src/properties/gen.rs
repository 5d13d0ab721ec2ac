//! A seeded generator (SplitMix64) and the inputs the properties draw from
//! it: bytes and text biased towards what parsers trip on, JSON values,
//! names.

use serde_json::{Map, Value};

/// SplitMix64: small, fast, and every seed gives a good stream.
pub(crate) struct Rng(u64);

/// Characters that mean something to one parser or another.
const SPECIAL_CHARS: &[char] = &[
    '{', '}', '[', ']', '"', '\\', ':', ',', '/', '%', '?', '#', '&', '=', '+', '*', '-', '@', ' ', '\t', '\r', '\n',
    '\0', '\u{1}', '\u{1f}', '\u{7f}', 'é', '€', '😀', '\u{feff}', '\u{2028}', '\u{fffd}',
];

/// Bytes that are not UTF-8 on their own, or start a longer sequence.
const SPECIAL_BYTES: &[u8] = &[0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xf5, 0xff];

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A number in `low..=high`.
    pub(crate) fn range(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low + 1) as u64) as i64
    }

    /// A length in `0..=max`, small ones more often.
    pub(crate) fn len(&mut self, max: usize) -> usize {
        let cap = match self.below(4) {
            0 => max.min(3),
            1 => max.min(12),
            _ => max,
        };
        self.below(cap as u64 + 1) as usize
    }

    /// True one time in `n`.
    pub(crate) fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// Any character, special ones often.
    pub(crate) fn char(&mut self) -> char {
        match self.below(4) {
            0 => self.pick(SPECIAL_CHARS),
            1 => char::from_u32(self.below(0x11_0000) as u32).unwrap_or('\u{fffd}'),
            _ => char::from(b' ' + self.below(95) as u8),
        }
    }

    /// Any string of up to `max` characters.
    pub(crate) fn text(&mut self, max: usize) -> String {
        (0..self.len(max)).map(|_| self.char()).collect()
    }

    /// A string of up to `max` characters drawn from `alphabet`.
    pub(crate) fn text_of(&mut self, alphabet: &[char], max: usize) -> String {
        (0..self.len(max)).map(|_| self.pick(alphabet)).collect()
    }

    /// Any bytes: often UTF-8 text, sometimes with stray or truncated sequences.
    pub(crate) fn bytes(&mut self, max: usize) -> Vec<u8> {
        let mut out = Vec::new();
        while out.len() < max && !self.one_in(12) {
            match self.below(5) {
                0 => out.push(self.pick(SPECIAL_BYTES)),
                1 => out.push(self.below(256) as u8),
                _ => out.extend_from_slice(self.char().encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
        out
    }

    /// A JSON value nested at most `depth` deep. Numbers are integers or
    /// multiples of 1/8, which text round-trips exactly.
    pub(crate) fn json(&mut self, depth: u32) -> Value {
        let kinds = if depth == 0 { 5 } else { 7 };
        match self.below(kinds) {
            0 => Value::Null,
            1 => Value::Bool(self.one_in(2)),
            2 => self.number(),
            3 | 4 => Value::String(self.text(12)),
            5 => Value::Array((0..self.len(4)).map(|_| self.json(depth - 1)).collect()),
            _ => {
                let mut map = Map::new();
                for _ in 0..self.len(4) {
                    map.insert(self.text(6), self.json(depth - 1));
                }
                Value::Object(map)
            }
        }
    }

    pub(crate) fn number(&mut self) -> Value {
        match self.below(4) {
            0 => Value::from(self.next_u64()),
            1 => Value::from(self.next_u64() as i64),
            2 => Value::from(self.range(-1000, 1000)),
            _ => Value::from(self.range(-1 << 20, 1 << 20) as f64 / 8.0),
        }
    }

    /// A non-empty ASCII identifier.
    pub(crate) fn ident(&mut self, max: usize) -> String {
        const ALNUM: &[char] =
            &['a', 'b', 'c', 'x', 'y', 'z', 'A', 'M', 'Z', '0', '1', '9', '_', 'q', 'r', 's', 't', 'n', 'o', 'p'];
        let mut name = self.text_of(ALNUM, max.max(1) - 1);
        name.insert(0, self.pick(&['a', 'k', 'T', '_']));
        name
    }

    /// Splits `bytes` into chunks at random places.
    #[cfg(feature = "ai")]
    pub(crate) fn chunks<'a>(&mut self, bytes: &'a [u8]) -> Vec<&'a [u8]> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let take = if self.one_in(3) { 1 } else { self.len(rest.len()) };
            let (chunk, after) = rest.split_at(take.min(rest.len()));
            out.push(chunk);
            rest = after;
        }
        out
    }
}

/// Percent-encodes every byte except ASCII letters, digits and those in `keep`.
pub(crate) fn percent_encode(text: &str, keep: &str) -> String {
    let mut out = String::new();
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || keep.as_bytes().contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl Rng {
    /// `input` with a few random edits: bytes dropped, inserted or replaced,
    /// or the end cut off.
    pub(crate) fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        for _ in 0..=self.below(3) {
            let at = self.below(out.len() as u64 + 1) as usize;
            match self.below(4) {
                0 if at < out.len() => drop(out.remove(at)),
                1 => out.insert(at, self.pick(b"{}[]\",:\\0-e.tn")),
                2 if at < out.len() => out[at] = self.below(256) as u8,
                3 => out.truncate(at),
                _ => {}
            }
        }
        out
    }
}
