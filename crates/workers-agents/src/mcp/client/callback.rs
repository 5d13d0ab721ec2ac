//! The OAuth callback of an MCP client agent (`GET
//! /agents/{agent}/{name}/callback?code=…&state=…`): the `state` it made
//! (`{nonce}.{server id}`, as the TS SDK makes it), the parameters the
//! authorization server sent back and their checks (RFC 9207 `iss`), and
//! the page the person's browser is shown. Pure.

use worker::Url;

/// How long a login may take, from `add_server` to the callback.
pub const LOGIN_TTL_MS: i64 = 10 * 60 * 1000;
/// Most bytes of one callback parameter.
pub const MAX_CALLBACK_PARAM_BYTES: usize = 4 * 1024;
/// Characters of a state's random part (6 bits each).
pub const STATE_NONCE_CHARS: usize = 32;
/// Characters of a PKCE verifier (RFC 7636: 43 to 128).
pub const VERIFIER_CHARS: usize = 64;

/// The path the callback of instance `name` of `agent` (kebab-case) is
/// served at, under the router's `prefix` (`agents`).
pub fn callback_path(prefix: &str, agent: &str, name: &str) -> String {
    let name: String = worker::url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    format!("/{}/{agent}/{}/callback", prefix.trim_matches('/'), name.replace('+', "%20"))
}

/// The redirect URI: `origin` (scheme, host, port: what the person's browser
/// reaches the worker at) and the callback path. `Err` for an origin that
/// is not an http(s) origin.
pub fn callback_url(origin: &str, path: &str) -> Result<String, String> {
    let parsed = Url::parse(origin).map_err(|_| format!("the callback host {origin:?} is not a URL"))?;
    let bare = parsed.path() == "/" && parsed.query().is_none() && parsed.fragment().is_none();
    if !matches!(parsed.scheme(), "http" | "https") || !bare || !parsed.username().is_empty() {
        return Err(format!("the callback host {origin:?} is not an http(s) origin"));
    }
    Ok(format!("{}{path}", parsed.origin().ascii_serialization()))
}

/// The state of a login for server `server_id`.
pub fn new_state(nonce: &str, server_id: &str) -> String {
    format!("{nonce}.{server_id}")
}

/// The server a state names (`None` when it is not one this client makes).
pub fn server_of_state(state: &str) -> Option<&str> {
    let (nonce, server) = state.split_once('.')?;
    let ok = |s: &str, extra: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(c));
    (ok(nonce, "-_") && ok(server, "-_")).then_some(server)
}

/// What the authorization server sent back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// The state, as sent.
    pub state: String,
    /// The server it names.
    pub server_id: String,
    /// The code, or what refused it.
    pub outcome: Result<String, String>,
    /// The `iss` parameter (RFC 9207), when sent.
    pub iss: Option<String>,
}

/// Why a callback request is refused before anything is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackError(pub String);

/// Reads the query of a callback: exactly one `state` (of this client's
/// shape), and a `code` or an `error`; no parameter twice or too long.
pub fn read_callback(url: &Url) -> Result<Callback, CallbackError> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for (name, value) in url.query_pairs() {
        if !matches!(name.as_ref(), "state" | "code" | "iss" | "error" | "error_description") {
            continue;
        }
        if value.len() > MAX_CALLBACK_PARAM_BYTES {
            return Err(CallbackError(format!("the parameter {name} is too long")));
        }
        if fields.iter().any(|(n, _)| n == name.as_ref()) {
            return Err(CallbackError(format!("the parameter {name} is given twice")));
        }
        fields.push((name.into_owned(), value.into_owned()));
    }
    let get = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let state = get("state").ok_or_else(|| CallbackError("the callback has no state".into()))?;
    let server_id =
        server_of_state(&state).ok_or_else(|| CallbackError("the state is not one this agent made".into()))?.to_owned();
    let outcome = match (get("code").filter(|c| !c.is_empty()), get("error")) {
        (Some(code), None) => Ok(code),
        (_, Some(error)) => Err(match get("error_description") {
            Some(description) => format!("{error}: {description}"),
            None => error,
        }),
        (None, None) => return Err(CallbackError("the callback has no code".into())),
    };
    Ok(Callback { state, server_id, outcome, iss: get("iss") })
}

/// RFC 9207: an `iss` that is sent must name the authorization server; one
/// that is advertised (`authorization_response_iss_parameter_supported`)
/// must be sent.
pub fn check_issuer(expected: &str, iss: Option<&str>, advertised: bool) -> Result<(), String> {
    let same = |a: &str| a.trim_end_matches('/') == expected.trim_end_matches('/');
    match iss {
        Some(iss) if same(iss) => Ok(()),
        Some(iss) => Err(format!("the callback names the issuer {iss:?}, not {expected:?}")),
        None if advertised => Err("the callback has no iss, which the authorization server promised".into()),
        None => Ok(()),
    }
}

/// Whether a pending login still takes a callback: the state's hash is
/// the stored one, and it has not expired.
pub fn login_is_pending(stored_hash: Option<&str>, presented_hash: &str, expires_ms: Option<i64>, now_ms: i64) -> bool {
    let same =
        stored_hash.is_some_and(|s| crate::oauth::crypto::constant_time_eq(s.as_bytes(), presented_hash.as_bytes()));
    same && expires_ms.is_some_and(|at| now_ms < at)
}

/// The page the browser is shown after the callback: it says what
/// happened and, after a login, closes the window (the login popup).
pub fn page(ok: bool, message: &str) -> String {
    let title = if ok { "Connected" } else { "Login failed" };
    let script = if ok { "<script>setTimeout(function(){window.close()},300)</script>" } else { "" };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{}</p>{script}</body></html>",
        crate::html::escape(message)
    )
}

/// The page's Content-Security-Policy: nothing but its own inline script.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; frame-ancestors 'none'";

#[cfg(test)]
mod tests {
    use super::*;

    fn read(query: &str) -> Result<Callback, CallbackError> {
        read_callback(&Url::parse(&format!("https://a.example/agents/x/y/callback?{query}")).unwrap())
    }

    #[test]
    fn callback_urls_are_built_from_an_origin() {
        let path = callback_path("agents", "mcp-client-probe", "my room");
        assert_eq!(path, "/agents/mcp-client-probe/my%20room/callback");
        assert_eq!(callback_url("http://127.0.0.1:8790", &path).unwrap(), format!("http://127.0.0.1:8790{path}"));
        assert_eq!(callback_url("https://a.example/", "/p").unwrap(), "https://a.example/p");
        for bad in
            ["ftp://a.example", "https://a.example/x", "https://u@a.example", "a.example", "https://a.example/?q"]
        {
            assert!(callback_url(bad, "/p").is_err(), "{bad}");
        }
    }

    #[test]
    fn states_name_their_server() {
        let state = new_state("AbC-_9", "github-mcp");
        assert_eq!(server_of_state(&state), Some("github-mcp"));
        for bad in ["nodot", ".x", "x.", "a.b.c", "a b.c", "a.<x>"] {
            assert_eq!(server_of_state(bad), None, "{bad}");
        }
    }

    #[test]
    fn callbacks_need_a_state_and_a_code_or_an_error() {
        let ok = read("code=c1&state=n.s1&iss=https%3A%2F%2Fas.example").unwrap();
        assert_eq!(ok.server_id, "s1");
        assert_eq!(ok.outcome, Ok("c1".into()));
        assert_eq!(ok.iss.as_deref(), Some("https://as.example"));
        let refused = read("error=access_denied&error_description=no%20thanks&state=n.s1").unwrap();
        assert_eq!(refused.outcome, Err("access_denied: no thanks".into()));
        assert!(read("code=c1").unwrap_err().0.contains("no state"));
        assert!(read("state=n.s1").unwrap_err().0.contains("no code"));
        assert!(read("state=n.s1&code=").unwrap_err().0.contains("no code"));
        assert!(read("code=c&state=bad").unwrap_err().0.contains("not one this agent made"));
        assert!(read("code=c&code=d&state=n.s").unwrap_err().0.contains("twice"));
        let long = "x".repeat(MAX_CALLBACK_PARAM_BYTES + 1);
        assert!(read(&format!("code={long}&state=n.s")).unwrap_err().0.contains("too long"));
        assert!(read("code=c&state=n.s&other=1&other=2").is_ok());
    }

    #[test]
    fn the_issuer_is_checked_as_rfc_9207_says() {
        assert!(check_issuer("https://as.example", Some("https://as.example/"), true).is_ok());
        assert!(check_issuer("https://as.example", Some("https://evil.example"), false).is_err());
        assert!(check_issuer("https://as.example", None, true).is_err());
        assert!(check_issuer("https://as.example", None, false).is_ok());
    }

    #[test]
    fn a_login_is_pending_until_used_or_expired() {
        assert!(login_is_pending(Some("h"), "h", Some(10), 9));
        assert!(!login_is_pending(Some("h"), "h", Some(10), 10));
        assert!(!login_is_pending(Some("h"), "g", Some(10), 0));
        assert!(!login_is_pending(None, "h", Some(10), 0));
        assert!(!login_is_pending(Some("h"), "h", None, 0));
    }

    #[test]
    fn the_page_escapes_what_it_is_told() {
        let html = page(false, "<script>alert(1)</script> & \"x\"");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"));
        assert!(!html.contains("window.close"));
        assert!(page(true, "ok").contains("window.close()"));
    }
}
