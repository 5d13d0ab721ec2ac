//! How an MCP client agent keeps OAuth secrets (tokens, a registered
//! client's secret, a login's PKCE verifier) in its SQLite: AES-256-GCM
//! under a key derived from the secret binding [`TOKEN_KEY_BINDING`], as
//! `v1.` + base64url(nonce ‖ ciphertext ‖ tag). What is sealed names what it
//! is for (`{server id}/{field}`), so a sealed value copied into another
//! row or column does not open there. The format is pure; sealing and
//! opening go through Web Crypto.

use serde_json::{json, Value};

use crate::oauth::base64;

/// The secret binding whose value the sealing key is derived from. Without
/// it, a server that asks for an OAuth login is refused (its error names
/// the binding): tokens are never stored in the clear.
pub const TOKEN_KEY_BINDING: &str = "MCP_CLIENT_TOKEN_KEY";
/// Fewest characters of the secret.
pub const MIN_TOKEN_KEY_CHARS: usize = 32;
/// What the key derivation signs (HMAC-SHA256 under the secret).
pub(crate) const KEY_LABEL: &[u8] = b"workers-agents mcp-client token key v1";
const PREFIX: &str = "v1.";

/// Why a sealed value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealError(pub String);

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The secret's value checked: long enough to derive a key from.
pub fn check_key_secret(secret: Option<&str>) -> Result<&str, SealError> {
    match secret {
        None | Some("") => Err(SealError(format!(
            "the MCP server requires an OAuth login, and its tokens are stored encrypted: \
             set the secret {TOKEN_KEY_BINDING} (at least {MIN_TOKEN_KEY_CHARS} random characters)"
        ))),
        Some(s) if s.chars().count() < MIN_TOKEN_KEY_CHARS => {
            Err(SealError(format!("the secret {TOKEN_KEY_BINDING} is shorter than {MIN_TOKEN_KEY_CHARS} characters")))
        }
        Some(s) => Ok(s),
    }
}

/// The plaintext sealed for `purpose`: the value and what it is for.
pub fn envelope(purpose: &str, value: &Value) -> Vec<u8> {
    json!({ "for": purpose, "value": value }).to_string().into_bytes()
}

/// The value of an opened envelope, if it was sealed for `purpose`.
pub fn open_envelope(purpose: &str, plaintext: &[u8]) -> Result<Value, SealError> {
    let mut doc: Value =
        serde_json::from_slice(plaintext).map_err(|_| SealError("a sealed value is not what was sealed".into()))?;
    if doc["for"] != purpose {
        return Err(SealError(format!("a sealed value was not sealed for {purpose}")));
    }
    Ok(doc["value"].take())
}

/// The stored text of sealed bytes.
pub fn encode(sealed: &[u8]) -> String {
    format!("{PREFIX}{}", base64::encode_url(sealed))
}

/// The sealed bytes of stored text.
pub fn decode(text: &str) -> Result<Vec<u8>, SealError> {
    text.strip_prefix(PREFIX)
        .and_then(base64::decode_url)
        .ok_or_else(|| SealError("a stored secret is not in the sealed format".into()))
}

/// The AES-256 key derived from the secret.
pub(crate) async fn derive_key(secret: &str) -> Result<Vec<u8>, SealError> {
    crate::oauth::crypto::hmac_sha256(secret.as_bytes(), KEY_LABEL).await.map_err(|e| SealError(e.to_string()))
}

/// `value` sealed for `purpose` under `key`, as stored text.
pub(crate) async fn seal(key: &[u8], purpose: &str, value: &Value) -> Result<String, SealError> {
    let sealed =
        crate::oauth::crypto::seal(key, &envelope(purpose, value)).await.map_err(|e| SealError(e.to_string()))?;
    Ok(encode(&sealed))
}

/// What [`seal`] sealed for `purpose` under `key`.
pub(crate) async fn open(key: &[u8], purpose: &str, text: &str) -> Result<Value, SealError> {
    let plaintext = crate::oauth::crypto::open(key, &decode(text)?)
        .await
        .map_err(|_| SealError(format!("a stored secret does not decrypt: was {TOKEN_KEY_BINDING} changed?")))?;
    open_envelope(purpose, &plaintext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_secret_must_be_set_and_long() {
        assert!(check_key_secret(None).unwrap_err().0.contains(TOKEN_KEY_BINDING));
        assert!(check_key_secret(Some("")).is_err());
        assert!(check_key_secret(Some("short")).unwrap_err().0.contains("shorter"));
        let long = "k".repeat(MIN_TOKEN_KEY_CHARS);
        assert_eq!(check_key_secret(Some(&long)), Ok(long.as_str()));
    }

    #[test]
    fn an_envelope_opens_only_for_its_purpose() {
        let value = json!({"access_token": "a"});
        let sealed = envelope("github/tokens", &value);
        assert_eq!(open_envelope("github/tokens", &sealed), Ok(value));
        assert!(open_envelope("other/tokens", &sealed).is_err());
        assert!(open_envelope("github/client", &sealed).is_err());
        assert!(open_envelope("github/tokens", b"not json").is_err());
    }

    #[test]
    fn the_stored_text_round_trips_and_refuses_other_text() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = encode(&bytes);
        assert!(text.starts_with("v1.") && !text.contains('='));
        assert_eq!(decode(&text), Ok(bytes));
        for bad in ["", "v2.AAAA", "plain token", "v1.***"] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }
}
