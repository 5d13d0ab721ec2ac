//! Redirect URIs: which may be registered, and whether a presented one
//! matches a registered one. Pure.
//!
//! Registered URIs must be `https`, `http` on a loopback host (the MCP
//! authorization spec: localhost or HTTPS), or a private-use scheme of a
//! native app (`cursor://…`, RFC 8252 §7.1); never a scheme that runs or
//! reads something (`javascript:`, `data:`, `file:` …), never a fragment,
//! never a control character. Matching is exact, except that on loopback
//! hosts the port may differ (RFC 8252 §7.3: native clients listen on an
//! ephemeral port).

use crate::net::is_loopback;
use worker::url::Url;

/// Schemes a redirect URI may never use.
const FORBIDDEN_SCHEMES: &[&str] =
    &["javascript", "data", "vbscript", "file", "mailto", "blob", "about", "ftp", "ws", "wss"];

/// Longest redirect URI accepted, in bytes.
pub const MAX_REDIRECT_URI_BYTES: usize = 2048;

/// Whether `uri` may be registered (and so used) as a redirect URI; `Err`
/// says why not.
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    if uri.len() > MAX_REDIRECT_URI_BYTES {
        return Err(format!("a redirect URI must be at most {MAX_REDIRECT_URI_BYTES} bytes"));
    }
    if uri.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("a redirect URI must not contain spaces or control characters".into());
    }
    let Some((scheme, _)) = uri.split_once(':') else {
        return Err(format!("redirect URI {uri:?} has no scheme"));
    };
    let valid_scheme = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid_scheme {
        return Err(format!("redirect URI {uri:?} has no valid scheme"));
    }
    let scheme = scheme.to_ascii_lowercase();
    if FORBIDDEN_SCHEMES.contains(&scheme.as_str()) {
        return Err(format!("the {scheme}: scheme is not allowed for a redirect URI"));
    }
    let url = Url::parse(uri).map_err(|e| format!("redirect URI {uri:?} is not a valid URI: {e}"))?;
    if url.fragment().is_some() {
        return Err("a redirect URI must not have a fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a redirect URI must not carry a user name or password".into());
    }
    match scheme.as_str() {
        "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        "https" => Err("an https redirect URI needs a host".into()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => {
            Err("an http redirect URI must be on a loopback host (localhost, 127.0.0.1, [::1]); use https".into())
        }
        // A native app's private-use scheme (RFC 8252 §7.1).
        _ => Ok(()),
    }
}

/// Whether `presented` names the registered redirect URI `registered`:
/// the same string, or the same loopback URI but for the port.
pub fn redirect_matches(registered: &str, presented: &str) -> bool {
    if registered == presented {
        return true;
    }
    let (Ok(a), Ok(b)) = (Url::parse(registered), Url::parse(presented)) else {
        return false;
    };
    a.scheme() == "http"
        && b.scheme() == "http"
        && is_loopback(&a)
        && is_loopback(&b)
        && a.host() == b.host()
        && a.path() == b.path()
        && a.query() == b.query()
        && a.fragment().is_none()
        && b.fragment().is_none()
        && a.username() == b.username()
        && b.password().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_uris() {
        for ok in [
            "https://app.example/callback",
            "http://localhost:3000/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:8080/cb?x=1",
            "cursor://anysphere.cursor-mcp/oauth/callback",
        ] {
            assert_eq!(check_redirect_uri(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("javascript:alert(1)", "javascript: scheme"),
            ("JavaScript:alert(1)", "javascript: scheme"),
            ("data:text/html,x", "data: scheme"),
            ("file:///etc/passwd", "file: scheme"),
            ("http://evil.example/cb", "loopback"),
            ("https://app.example/cb#frag", "fragment"),
            ("https://user:pw@app.example/cb", "user name"),
            ("/relative", "no scheme"),
            ("https://app.example/a b", "spaces"),
            ("https://app.example/\u{0}", "control"),
            ("1http://x", "no valid scheme"),
        ] {
            let err = check_redirect_uri(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
        assert!(check_redirect_uri(&format!("https://a.example/{}", "x".repeat(3000))).is_err());
    }

    #[test]
    fn matching_is_exact_but_for_loopback_ports() {
        assert!(redirect_matches("https://app.example/cb", "https://app.example/cb"));
        assert!(!redirect_matches("https://app.example/cb", "https://app.example/cb/"));
        assert!(!redirect_matches("https://app.example/cb", "https://app.example:8443/cb"));
        assert!(!redirect_matches("https://app.example/cb", "https://APP.example/cb"));
        assert!(redirect_matches("http://localhost/callback", "http://localhost:49152/callback"));
        assert!(redirect_matches("http://127.0.0.1:3000/cb", "http://127.0.0.1:4000/cb"));
        assert!(!redirect_matches("http://127.0.0.1:3000/cb", "http://localhost:3000/cb"));
        assert!(!redirect_matches("http://localhost/cb", "http://localhost:1/cb?x=1"));
        assert!(!redirect_matches("http://localhost/cb", "http://localhost:1/other"));
        assert!(!redirect_matches("http://localhost/cb", "https://localhost:1/cb"));
        assert!(!redirect_matches("http://localhost/cb", "http://localhost.evil.example:1/cb"));
    }
}
