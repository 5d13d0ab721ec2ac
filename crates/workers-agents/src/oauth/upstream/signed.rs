//! Signed cookie values: `{payload}.{mac}`, both unpadded base64url, the MAC
//! an HMAC-SHA256 (Web Crypto) of a purpose label and the payload under the
//! app's secret key. The label keeps a value signed for one cookie from
//! being accepted as another. A value that does not verify is no value.

use crate::oauth::base64::{decode_url, encode_url};
use crate::oauth::crypto::{constant_time_eq, hmac_sha256, CryptoError};

/// Longest signed value read, in bytes (a cookie is at most 4 KiB).
pub const MAX_SIGNED_BYTES: usize = 4000;

/// The bytes the MAC covers: the purpose, a newline, the payload.
fn signed_bytes(purpose: &str, payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(purpose.len() + 1 + payload.len());
    bytes.extend_from_slice(purpose.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(payload);
    bytes
}

/// `payload` and its MAC as one cookie-safe value.
pub(crate) fn join(payload: &[u8], mac: &[u8]) -> String {
    format!("{}.{}", encode_url(payload), encode_url(mac))
}

/// The payload and MAC of a signed value; `None` when it is not one.
pub(crate) fn split(value: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    if value.len() > MAX_SIGNED_BYTES {
        return None;
    }
    let (payload, mac) = value.split_once('.')?;
    let mac = decode_url(mac)?;
    (mac.len() == 32).then_some(())?;
    Some((decode_url(payload)?, mac))
}

/// `payload` signed under `key` for `purpose`.
pub async fn sign(key: &[u8], purpose: &str, payload: &[u8]) -> Result<String, CryptoError> {
    Ok(join(payload, &hmac_sha256(key, &signed_bytes(purpose, payload)).await?))
}

/// The payload of `value` if it was signed under `key` for `purpose`.
pub async fn verify(key: &[u8], purpose: &str, value: &str) -> Result<Option<Vec<u8>>, CryptoError> {
    let Some((payload, mac)) = split(value) else { return Ok(None) };
    let expected = hmac_sha256(key, &signed_bytes(purpose, &payload)).await?;
    Ok(constant_time_eq(&mac, &expected).then_some(payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_splits() {
        let mac = [7u8; 32];
        let value = join(b"[\"a\"]", &mac);
        assert!(super::super::cookie::is_cookie_safe(&value));
        assert_eq!(split(&value), Some((b"[\"a\"]".to_vec(), mac.to_vec())));
        assert_eq!(split(&join(b"", &mac)), Some((vec![], mac.to_vec())));
    }

    #[test]
    fn refuses_what_is_not_a_signed_value() {
        let mac = encode_url(&[1u8; 32]);
        for bad in [
            String::new(),
            "abc".into(),
            format!("abc{mac}"),
            format!("a!c.{mac}"),
            format!("abc.{}", encode_url(&[1u8; 31])),
            "abc.!!".into(),
            format!("{}.{mac}", "a".repeat(MAX_SIGNED_BYTES)),
        ] {
            assert_eq!(split(&bad), None, "{bad:?}");
        }
        assert_eq!(signed_bytes("p", b"x"), b"p\nx");
    }
}
