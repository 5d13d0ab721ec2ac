//! Base64 (RFC 4648): standard decoding for `Authorization: Basic`
//! credentials (§4, `+` and `/`), and unpadded base64url (§5, `-` and `_`)
//! for what the provider stores and PKCE challenges. Pure.
//!
//! Strict: the padding may be left out, but when present it must be right;
//! no whitespace, no URL-safe letters, and the unused bits of the last
//! character must be zero (so each credential has one spelling).

/// The bytes `text` encodes; `None` when it is not standard base64.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let body = match bytes.len() % 4 {
        0 if bytes.ends_with(b"==") => &bytes[..bytes.len() - 2],
        0 if bytes.ends_with(b"=") => &bytes[..bytes.len() - 1],
        _ => bytes,
    };
    if body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut word: u32 = 0;
        for &c in chunk {
            word = word << 6 | u32::from(value(c)?);
        }
        // A short final chunk of 2 or 3 characters carries 1 or 2 bytes.
        let unused_bits = (4 - chunk.len()) * 6;
        let len = chunk.len() - 1;
        let tail_bits = chunk.len() * 6 - len * 8;
        if word & ((1 << tail_bits) - 1) != 0 {
            return None;
        }
        let word = word << unused_bits;
        out.extend_from_slice(&word.to_be_bytes()[1..1 + len]);
    }
    Some(out)
}

/// The bytes unpadded base64url `text` encodes; `None` when it is not that.
pub(crate) fn decode_url(text: &str) -> Option<Vec<u8>> {
    if text.bytes().any(|b| matches!(b, b'+' | b'/' | b'=')) {
        return None;
    }
    decode(&text.replace('-', "+").replace('_', "/"))
}

/// Unpadded base64url (RFC 4648 §5).
pub(crate) fn encode_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// The 6-bit value of a base64 character.
fn value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{decode, decode_url, encode_url};

    #[test]
    fn base64url_round_trips() {
        for (input, output) in
            [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE")]
        {
            assert_eq!(encode_url(input.as_bytes()), output);
        }
        assert_eq!(encode_url(&[0xfb, 0xff]), "-_8");
        for n in 0..40 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(decode_url(&encode_url(&bytes)).unwrap(), bytes, "{n}");
        }
        assert_eq!(decode_url("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_url("+/8"), None);
        assert_eq!(decode_url("Zg=="), None);
    }

    #[test]
    fn decodes_rfc_4648_vectors() {
        for (text, plain) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
            ("Zg", "f"),
            ("Zm8", "fo"),
            ("YWxhZGRpbjpvcGVuc2VzYW1l", "aladdin:opensesame"),
        ] {
            assert_eq!(decode(text).as_deref(), Some(plain.as_bytes()), "{text}");
        }
        assert_eq!(decode("+/+/").unwrap(), vec![0xfb, 0xff, 0xbf]);
    }

    #[test]
    fn refuses_what_is_not_standard_base64() {
        for bad in [
            "Z",          // one character cannot hold a byte
            "Zm9vY",      // nor can five
            "Zg=",        // short padding
            "Zg===",      // long padding
            "Z===",       // padding where data should be
            "=Zm9",       // padding first
            "Zm=v",       // padding inside
            "Zh==",       // unused bits set
            "Zm9=",       // unused bits set
            "Zm9v\n",     // whitespace
            "Zm 9v",      // whitespace
            "-_-_",       // the URL-safe alphabet
            "Zm9v\u{e9}", // not ASCII
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }
}
