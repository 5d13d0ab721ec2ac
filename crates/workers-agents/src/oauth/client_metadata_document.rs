//! Client ID metadata documents (the IETF OAuth draft of that name, which
//! MCP 2025-11-25 prefers to dynamic registration): a client whose
//! `client_id` is an `https` URL publishes its metadata at that URL, and the
//! server fetches it instead of keeping a registration. Pure: which URLs may
//! be such client ids, what a fetched document must say, and how long it is
//! kept. The fetch itself is the provider's (`provider/client_documents.rs`).
//!
//! The rules, each a refusal with its reason:
//! - the id is an `https` URL with a path (not `/`), without user name,
//!   password, fragment or dot segments, written in normal form (what the
//!   URL parser prints, so that one client has one id); its host is not
//!   `localhost` nor a loopback, private, link-local or otherwise reserved IP
//!   literal (the server must not be made to call into its own network).
//!   A test-only loosening allows `http` and `https` on loopback hosts;
//! - the document is a JSON object of at most [`MAX_CLIENT_DOCUMENT_BYTES`],
//!   whose `client_id` is the URL, character for character;
//! - it names a public client: `token_endpoint_auth_method` `none` (the
//!   default here). A document is public, so methods that need a shared
//!   secret (`client_secret_basic`, `client_secret_post`,
//!   `client_secret_jwt`) and a `client_secret` are refused;
//!   `private_key_jwt` is not supported, and a private key in `jwks` is
//!   refused;
//! - the rest is checked as a registration is ([`validate_registration`]):
//!   redirect URIs (safe ones only, at least one), grant and response types,
//!   names and URIs.

use std::time::Duration;

use serde_json::Value;
use worker::url::{Host, Url};

use super::client::Client;
use super::registration::validate_registration;
use crate::net::reserved_ip;

/// Largest document accepted, in bytes (the draft's suggestion: 5 KiB).
pub const MAX_CLIENT_DOCUMENT_BYTES: usize = 5 * 1024;
/// How long the server waits for a document.
pub const CLIENT_DOCUMENT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a document is kept when its answer says nothing of caching.
pub const CLIENT_DOCUMENT_CACHE: Duration = Duration::from_secs(600);
/// The longest a document is kept, whatever its `Cache-Control` says.
pub const MAX_CLIENT_DOCUMENT_CACHE: Duration = Duration::from_secs(86_400);
/// Longest URL client id, in bytes.
const MAX_CLIENT_ID_URL_BYTES: usize = 2048;

/// Why a URL client id does not give a client.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientDocumentError {
    /// The id is not a URL a document may be fetched from.
    Url(String),
    /// The document could not be fetched (network, timeout, status, redirect).
    Fetch(String),
    /// The document is longer than [`MAX_CLIENT_DOCUMENT_BYTES`].
    TooLarge,
    /// The document is not acceptable.
    Invalid(String),
}

impl std::fmt::Display for ClientDocumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientDocumentError::Url(why) => write!(f, "the client id is not a usable metadata document URL: {why}"),
            ClientDocumentError::Fetch(why) => write!(f, "the client's metadata document could not be fetched: {why}"),
            ClientDocumentError::TooLarge => {
                write!(f, "the client's metadata document is larger than {MAX_CLIENT_DOCUMENT_BYTES} bytes")
            }
            ClientDocumentError::Invalid(why) => write!(f, "the client's metadata document is invalid: {why}"),
        }
    }
}

impl std::error::Error for ClientDocumentError {}

/// Whether `client_id` is meant as a document URL (it starts with
/// `https://` or `http://`, in any case): such an id is never one this
/// server made, so it is resolved by its document or is unknown.
pub fn is_document_client_id(client_id: &str) -> bool {
    let lower = |n: usize| client_id.get(..n).map(str::to_ascii_lowercase);
    lower(8).as_deref() == Some("https://") || lower(7).as_deref() == Some("http://")
}

fn url_error(why: impl Into<String>) -> ClientDocumentError {
    ClientDocumentError::Url(why.into())
}

/// The URL to fetch for `client_id`, if it may be a document's client id;
/// `allow_loopback` (tests only) also allows `http` and `https` on loopback
/// hosts (`localhost`, `127.0.0.0/8`, `[::1]`).
pub fn check_client_id_url(client_id: &str, allow_loopback: bool) -> Result<Url, ClientDocumentError> {
    if client_id.len() > MAX_CLIENT_ID_URL_BYTES {
        return Err(url_error(format!("it is longer than {MAX_CLIENT_ID_URL_BYTES} bytes")));
    }
    if client_id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(url_error("it contains spaces or control characters"));
    }
    let url = Url::parse(client_id).map_err(|e| url_error(format!("it is not a valid URL: {e}")))?;
    let loopback = loopback_host(&url);
    match url.scheme() {
        "https" => {}
        "http" if allow_loopback && loopback => {}
        _ => return Err(url_error("it must be an https URL")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(url_error("it must not carry a user name or password"));
    }
    if url.fragment().is_some() {
        return Err(url_error("it must not have a fragment"));
    }
    if has_dot_segment(client_id) {
        return Err(url_error("its path must not have . or .. segments"));
    }
    if url.path().is_empty() || url.path() == "/" {
        return Err(url_error("it must have a path (the document's, not the site's root)"));
    }
    if url.as_str() != client_id {
        return Err(url_error(format!("it must be written in normal form ({})", url.as_str())));
    }
    if loopback && !allow_loopback {
        return Err(url_error("its host is this machine (localhost or a loopback address)"));
    }
    if !loopback && reserved_ip(&url) {
        return Err(url_error("its host is a private or reserved IP address"));
    }
    Ok(url)
}

/// Whether the path of `raw` (as written: the parser removes them) has a
/// `.` or `..` segment, percent-encoded or not.
fn has_dot_segment(raw: &str) -> bool {
    let Some((_, rest)) = raw.split_once("://") else { return false };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let rest = &rest[..end];
    let Some(start) = rest.find('/') else { return false };
    rest[start..].split('/').any(|segment| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    })
}

/// Whether `url`'s host is `localhost` (or under it) or a loopback address.
fn loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => {
            let domain = domain.to_ascii_lowercase();
            domain == "localhost" || domain.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        None => false,
    }
}

fn invalid(why: impl Into<String>) -> ClientDocumentError {
    ClientDocumentError::Invalid(why.into())
}

/// The client that the document `body`, fetched from `client_id` at
/// `fetched_at` (Unix seconds), describes (see the module's rules).
pub fn validate_client_document(client_id: &str, body: &[u8], fetched_at: i64) -> Result<Client, ClientDocumentError> {
    if body.len() > MAX_CLIENT_DOCUMENT_BYTES {
        return Err(ClientDocumentError::TooLarge);
    }
    let document: Value = serde_json::from_slice(body).map_err(|e| invalid(format!("it is not JSON: {e}")))?;
    let Value::Object(mut fields) = document else {
        return Err(invalid("it must be a JSON object"));
    };
    match fields.remove("client_id") {
        Some(Value::String(id)) if id == client_id => {}
        Some(Value::String(id)) => return Err(invalid(format!("its client_id {id:?} is not its URL {client_id:?}"))),
        Some(_) => return Err(invalid("client_id must be a string")),
        None => return Err(invalid("client_id is missing (it must be the document's URL)")),
    }
    for secret in ["client_secret", "client_secret_expires_at"] {
        if fields.get(secret).is_some_and(|v| !v.is_null()) {
            return Err(invalid(format!("{secret} has no place in a public document")));
        }
    }
    match fields.get("token_endpoint_auth_method") {
        None | Some(Value::Null) => {}
        Some(Value::String(method)) => match method.as_str() {
            "none" => {}
            "client_secret_basic" | "client_secret_post" | "client_secret_jwt" => {
                return Err(invalid(format!(
                    "token_endpoint_auth_method {method:?} needs a shared secret, which a document cannot hold: use \"none\""
                )))
            }
            "private_key_jwt" => {
                return Err(invalid("token_endpoint_auth_method \"private_key_jwt\" is not supported: use \"none\""))
            }
            other => {
                return Err(invalid(format!("token_endpoint_auth_method {other:?} is not supported: use \"none\"")))
            }
        },
        Some(_) => return Err(invalid("token_endpoint_auth_method must be a string")),
    }
    let private_key = |key: &Value| ["d", "p", "q", "k"].iter().any(|part| key.get(part).is_some());
    if let Some(keys) = fields.get("jwks").and_then(|jwks| jwks.get("keys")).and_then(Value::as_array) {
        if keys.iter().any(private_key) {
            return Err(invalid("jwks holds a private key"));
        }
    }
    fields.insert("token_endpoint_auth_method".into(), "none".into());
    let registration =
        validate_registration(&Value::Object(fields), true).map_err(|e| ClientDocumentError::Invalid(e.description))?;
    let mut client = registration.into_client(client_id.to_owned(), fetched_at);
    client.from_metadata_document = true;
    Ok(client)
}

/// How long a document fetched with this `Cache-Control` is kept: its
/// `max-age` up to [`MAX_CLIENT_DOCUMENT_CACHE`]; not at all with
/// `no-store` or `no-cache`; [`CLIENT_DOCUMENT_CACHE`] when it says neither.
pub fn document_cache_ttl(cache_control: Option<&str>) -> Duration {
    let Some(header) = cache_control else { return CLIENT_DOCUMENT_CACHE };
    let mut ttl = CLIENT_DOCUMENT_CACHE;
    for directive in header.split(',').map(|d| d.trim().to_ascii_lowercase()) {
        if directive == "no-store" || directive == "no-cache" {
            return Duration::ZERO;
        }
        if let Some(seconds) = directive.strip_prefix("max-age=") {
            ttl = match seconds.trim_matches('"').parse::<u64>() {
                Ok(seconds) => Duration::from_secs(seconds),
                Err(_) => Duration::ZERO, // a malformed max-age is stale (RFC 9111 §4.2.1)
            };
        }
    }
    ttl.min(MAX_CLIENT_DOCUMENT_CACHE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::AuthMethod;
    use serde_json::json;

    const ID: &str = "https://app.example/oauth/client.json";

    #[test]
    fn which_ids_are_document_urls() {
        for id in [ID, "HTTPS://app.example/x", "http://127.0.0.1/x"] {
            assert!(is_document_client_id(id), "{id}");
        }
        for id in ["Ab3_-x9Yq2LmNoPq", "", "https:", "urn:x", "cursor://x/cb"] {
            assert!(!is_document_client_id(id), "{id}");
        }
    }

    #[test]
    fn client_id_urls() {
        for ok in [
            ID,
            "https://app.example/client",
            "https://app.example:8443/c/metadata.json",
            "https://app.example/c?v=2",
            "https://8.8.8.8/client.json",
        ] {
            assert_eq!(check_client_id_url(ok, false).map(|u| u.to_string()), Ok(ok.to_owned()), "{ok}");
        }
        for (bad, why) in [
            ("http://app.example/client.json", "must be an https URL"),
            ("ftp://app.example/client.json", "must be an https URL"),
            ("https://app.example", "must have a path"),
            ("https://app.example/", "must have a path"),
            ("https://user:pw@app.example/c", "user name or password"),
            ("https://user@app.example/c", "user name or password"),
            ("https://app.example/c#frag", "fragment"),
            ("https://app.example/a/../c", ". or .. segments"),
            ("https://app.example/a/./c", ". or .. segments"),
            ("https://app.example/a/%2E%2e/c", ". or .. segments"),
            ("https://APP.example/c", "normal form (https://app.example/c)"),
            ("https://app.example:443/c", "normal form"),
            ("https://app.example/a b", "spaces"),
            ("not a url", "spaces"),
            ("https://[::1/c", "not a valid URL"),
            ("https://localhost/c", "localhost or a loopback"),
            ("https://foo.localhost/c", "localhost or a loopback"),
            ("https://127.0.0.1/c", "localhost or a loopback"),
            ("https://[::1]/c", "localhost or a loopback"),
            ("https://[::ffff:127.0.0.1]/c", "normal form"),
            ("https://[::ffff:7f00:1]/c", "localhost or a loopback"),
            ("https://10.0.0.8/c", "private or reserved"),
            ("https://172.16.3.4/c", "private or reserved"),
            ("https://192.168.1.1/c", "private or reserved"),
            ("https://169.254.169.254/latest/meta-data", "private or reserved"),
            ("https://100.64.0.1/c", "private or reserved"),
            ("https://0.0.0.0/c", "private or reserved"),
            ("https://[fd00::1]/c", "private or reserved"),
            ("https://[fe80::1]/c", "private or reserved"),
            ("https://[::ffff:a00:1]/c", "private or reserved"),
            ("https://[64:ff9b::a00:1]/c", "private or reserved"),
        ] {
            let err = check_client_id_url(bad, false).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
        assert!(check_client_id_url(&format!("https://a.example/{}", "x".repeat(2048)), false).is_err());
    }

    #[test]
    fn the_loopback_loosening_allows_loopback_hosts_only() {
        for ok in
            ["http://127.0.0.1:8928/good.json", "http://localhost:8928/c", "https://127.0.0.1/c", "http://[::1]/c"]
        {
            assert!(check_client_id_url(ok, true).is_ok(), "{ok}");
            assert!(check_client_id_url(ok, false).is_err(), "{ok}");
        }
        for bad in ["http://app.example/c", "https://10.0.0.1/c", "http://192.168.0.1/c", "http://127.0.0.1/"] {
            assert!(check_client_id_url(bad, true).is_err(), "{bad}");
        }
    }

    fn document(extra: Value) -> Vec<u8> {
        let mut doc = json!({
            "client_id": ID,
            "client_name": "Example App",
            "redirect_uris": ["http://localhost/callback", "https://app.example/cb"],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
        });
        for (name, value) in extra.as_object().unwrap() {
            doc[name] = value.clone();
        }
        serde_json::to_vec(&doc).unwrap()
    }

    #[test]
    fn a_good_document_is_a_public_client() {
        let client = validate_client_document(ID, &document(json!({})), 1_700_000_000).unwrap();
        assert_eq!(client.client_id, ID);
        assert_eq!(client.client_name.as_deref(), Some("Example App"));
        assert_eq!(client.redirect_uris, ["http://localhost/callback", "https://app.example/cb"]);
        assert_eq!(client.token_endpoint_auth_method, AuthMethod::None);
        assert_eq!(client.grant_types, ["authorization_code", "refresh_token"]);
        assert_eq!(client.client_id_issued_at, 1_700_000_000);
        assert!(client.from_metadata_document && client.is_public());
        // `none` said outright, unknown fields, public keys: all fine.
        let public_key = json!({"keys": [{"kty": "EC", "crv": "P-256", "x": "x", "y": "y"}]});
        let doc = document(json!({"token_endpoint_auth_method": "none", "software_id": "x", "jwks": public_key}));
        assert!(validate_client_document(ID, &doc, 0).is_ok());
        // Exactly at the limit is fine.
        let mut padded = document(json!({}));
        padded.truncate(padded.len() - 1);
        padded.extend(format!(",\"pad\":\"{}\"}}", "x".repeat(MAX_CLIENT_DOCUMENT_BYTES - padded.len() - 10)).bytes());
        assert_eq!(padded.len(), MAX_CLIENT_DOCUMENT_BYTES);
        assert!(validate_client_document(ID, &padded, 0).is_ok());
        padded.insert(padded.len() - 2, b'x');
        assert_eq!(validate_client_document(ID, &padded, 0), Err(ClientDocumentError::TooLarge));
    }

    #[test]
    fn refused_documents() {
        for (body, says) in [
            (b"<html>hello</html>".to_vec(), "not JSON"),
            (b"".to_vec(), "not JSON"),
            (b"[1]".to_vec(), "must be a JSON object"),
            (document(json!({"client_id": "https://app.example/other.json"})), "is not its URL"),
            (document(json!({"client_id": "https://app.example/oauth/client.json/"})), "is not its URL"),
            (document(json!({"client_id": 7})), "client_id must be a string"),
            (document(json!({"client_id": null})), "client_id must be a string"),
            (document(json!({"token_endpoint_auth_method": "client_secret_basic"})), "needs a shared secret"),
            (document(json!({"token_endpoint_auth_method": "client_secret_post"})), "needs a shared secret"),
            (document(json!({"token_endpoint_auth_method": "client_secret_jwt"})), "needs a shared secret"),
            (
                document(json!({"token_endpoint_auth_method": "private_key_jwt"})),
                "\"private_key_jwt\" is not supported",
            ),
            (document(json!({"token_endpoint_auth_method": "tls_client_auth"})), "is not supported"),
            (document(json!({"token_endpoint_auth_method": ["none"]})), "must be a string"),
            (document(json!({"client_secret": "s3cret"})), "client_secret has no place"),
            (document(json!({"client_secret_expires_at": 0})), "client_secret_expires_at has no place"),
            (
                document(json!({"jwks": {"keys": [{"kty": "RSA", "n": "n", "e": "AQAB", "d": "secret"}]}})),
                "private key",
            ),
            (document(json!({"redirect_uris": ["javascript:alert(1)"]})), "redirect_uris: the javascript: scheme"),
            (document(json!({"redirect_uris": ["http://evil.example/cb"]})), "redirect_uris: an http redirect URI"),
            (document(json!({"redirect_uris": []})), "redirect_uris must list at least one"),
            (document(json!({"grant_types": ["password"]})), "grant_types: \"password\" is not supported"),
            (document(json!({"client_name": "a\u{7}b"})), "client_name must not contain control"),
        ] {
            let err = validate_client_document(ID, &body, 0).unwrap_err();
            assert!(matches!(err, ClientDocumentError::Invalid(_)), "{says}: {err}");
            assert!(err.to_string().contains(says), "{says}: {err}");
        }
        let missing = serde_json::to_vec(&json!({"redirect_uris": ["https://app.example/cb"]})).unwrap();
        assert!(validate_client_document(ID, &missing, 0).unwrap_err().to_string().contains("client_id is missing"));
    }

    #[test]
    fn cache_lifetimes() {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        for (header, ttl) in [
            (None, CLIENT_DOCUMENT_CACHE),
            (Some(""), CLIENT_DOCUMENT_CACHE),
            (Some("public"), CLIENT_DOCUMENT_CACHE),
            (Some("max-age=300"), minutes(5)),
            (Some("public, Max-Age=120"), minutes(2)),
            (Some("max-age=\"60\""), minutes(1)),
            (Some("max-age=0"), Duration::ZERO),
            (Some("max-age=31536000"), MAX_CLIENT_DOCUMENT_CACHE),
            (Some("max-age=abc"), Duration::ZERO),
            (Some("max-age=300, no-store"), Duration::ZERO),
            (Some("No-Cache"), Duration::ZERO),
        ] {
            assert_eq!(document_cache_ttl(header), ttl, "{header:?}");
        }
    }
}
