//! An authorization request (RFC 6749 §4.1.1, OAuth 2.1, RFC 7636, RFC
//! 8707): its query checked in the reference provider's order, and the
//! redirects that answer it. Pure.
//!
//! Until the client and its redirect URI are known to be good, an error is
//! [`AuthorizeError::Local`]: the server shows it on its own page and never
//! redirects (an open redirector otherwise). After that it is
//! [`AuthorizeError::Redirect`]: sent back to the client's redirect URI.

use worker::url::Url;

use super::form::{encode, no_repeats, parse_form, single};
use super::redirect::{check_redirect_uri, redirect_matches};
use super::scope::{parse_scope, Scope};
use super::{Client, ErrorCode, OAuthError};

/// Longest `state` accepted, in bytes.
pub const MAX_STATE_BYTES: usize = 2048;

/// How the server checks authorization requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizeConfig {
    /// The one resource (RFC 8707) tokens are issued for, if the server pins
    /// one: a request naming another gets `invalid_target`, one naming none
    /// gets this one.
    pub resource: Option<String>,
}

/// A checked authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// The client.
    pub client_id: String,
    /// Where the answer goes (one of the client's registered URIs, or the
    /// same loopback URI on another port).
    pub redirect_uri: String,
    /// The scope asked for (the app decides what it grants).
    pub scope: Scope,
    /// The client's `state`, returned with the answer.
    pub state: Option<String>,
    /// The PKCE S256 challenge (required of public clients).
    pub code_challenge: Option<String>,
    /// The resource the tokens will be for (RFC 8707), if any.
    pub resource: Option<String>,
}

/// Why an authorization request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// Shown on the server's own page, never redirected: no or an unknown
    /// client, or a redirect URI that is not one of its own.
    Local(OAuthError),
    /// Sent to the client's redirect URI ([`AuthorizeError::location`]).
    Redirect {
        /// The error.
        error: OAuthError,
        /// The checked redirect URI.
        redirect_uri: String,
        /// The client's `state`.
        state: Option<String>,
    },
}

impl AuthorizeError {
    /// The error itself.
    pub fn error(&self) -> &OAuthError {
        match self {
            AuthorizeError::Local(error) | AuthorizeError::Redirect { error, .. } => error,
        }
    }

    /// The redirect that answers a redirectable error (with `iss`, RFC 9207).
    pub fn location(&self, issuer: &str) -> Option<String> {
        match self {
            AuthorizeError::Local(_) => None,
            AuthorizeError::Redirect { error, redirect_uri, state } => {
                Some(error_redirect(redirect_uri, error, state.as_deref(), issuer))
            }
        }
    }
}

/// The `client_id` of an authorization request's query, to look the client
/// up before [`parse_authorization_request`].
pub fn requested_client_id(query: &str) -> Option<String> {
    let pairs = parse_form(query).ok()?;
    single(&pairs, "client_id").ok().flatten().map(str::to_owned)
}

fn local(description: impl Into<String>) -> AuthorizeError {
    AuthorizeError::Local(OAuthError::new(ErrorCode::InvalidRequest, description))
}

/// Checks the query of an authorization request against the client it
/// names (`None`: no such client), in this order: the client, the redirect
/// URI (both local errors), then (redirected) repeated parameters, the
/// resource, the response type, PKCE, the scope and the state.
pub fn parse_authorization_request(
    query: &str,
    client: Option<&Client>,
    config: &AuthorizeConfig,
) -> Result<AuthorizationRequest, AuthorizeError> {
    let pairs = parse_form(query).map_err(local)?;
    let one = |name: &str| single(&pairs, name);
    let client_id = one("client_id").map_err(local)?.ok_or_else(|| local("client_id is required"))?;
    let client = match client {
        Some(client) if client.client_id == client_id => client,
        _ => return Err(local("Unknown client")),
    };
    let redirect_uri = match one("redirect_uri").map_err(local)? {
        Some(uri) => {
            if check_redirect_uri(uri).is_err() || !client.redirect_uris.iter().any(|r| redirect_matches(r, uri)) {
                return Err(local("Invalid redirect URI"));
            }
            uri.to_owned()
        }
        None => match client.redirect_uris.as_slice() {
            [only] => only.clone(),
            _ => return Err(local("redirect_uri is required: the client has several")),
        },
    };
    let state = one("state").ok().flatten().map(str::to_owned);
    let refuse = |code: ErrorCode, description: String| AuthorizeError::Redirect {
        error: OAuthError::new(code, description),
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
    };
    no_repeats(&pairs, "resource").map_err(|e| refuse(ErrorCode::InvalidRequest, e))?;
    let resource = resource(&pairs, config).map_err(|e| refuse(ErrorCode::InvalidTarget, e))?;
    match one("response_type").ok().flatten() {
        None => return Err(refuse(ErrorCode::InvalidRequest, "response_type is required".into())),
        Some("code") => {}
        Some(other) => {
            return Err(refuse(ErrorCode::UnsupportedResponseType, format!("Unsupported response_type: {other}")))
        }
    }
    if !client.response_types.iter().any(|r| r == "code") {
        return Err(refuse(ErrorCode::UnauthorizedClient, "The client may not use response_type code".into()));
    }
    let code_challenge = pkce(one("code_challenge").ok().flatten(), one("code_challenge_method").ok().flatten())
        .map_err(|e| refuse(ErrorCode::InvalidRequest, e))?;
    if code_challenge.is_none() && client.is_public() {
        return Err(refuse(
            ErrorCode::InvalidRequest,
            "Public clients must use PKCE with the authorization code flow.".into(),
        ));
    }
    let scope =
        parse_scope(one("scope").ok().flatten().unwrap_or_default()).map_err(|e| refuse(ErrorCode::InvalidScope, e))?;
    if state.as_ref().is_some_and(|s| s.len() > MAX_STATE_BYTES) {
        return Err(refuse(ErrorCode::InvalidRequest, format!("state must be at most {MAX_STATE_BYTES} bytes")));
    }
    Ok(AuthorizationRequest { client_id: client_id.to_owned(), redirect_uri, scope, state, code_challenge, resource })
}

/// The PKCE challenge: S256 only (`plain`, also what a missing method means,
/// and any other method are refused), 43 base64url characters.
fn pkce(challenge: Option<&str>, method: Option<&str>) -> Result<Option<String>, String> {
    let Some(challenge) = challenge else {
        return match method {
            Some(_) => Err("code_challenge_method without code_challenge".into()),
            None => Ok(None),
        };
    };
    match method.unwrap_or("plain") {
        "S256" => {}
        "plain" => return Err("The plain PKCE method is not allowed. Use S256 instead.".into()),
        other => return Err(format!("Unsupported PKCE code_challenge_method: {other}")),
    }
    let base64url = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if challenge.len() != 43 || !challenge.chars().all(base64url) {
        return Err("code_challenge must be the 43-character base64url SHA-256 of the verifier".into());
    }
    Ok(Some(challenge.to_owned()))
}

/// The request's resource (RFC 8707), checked against the configured one.
fn resource(pairs: &[(String, String)], config: &AuthorizeConfig) -> Result<Option<String>, String> {
    let given: Vec<&str> = pairs.iter().filter(|(n, _)| n == "resource").map(|(_, v)| v.as_str()).collect();
    let [given] = given.as_slice() else {
        return match given.len() {
            0 => Ok(config.resource.clone()),
            _ => Err("one resource per request".into()),
        };
    };
    let url = Url::parse(given).map_err(|_| format!("resource {given:?} is not an absolute URI"))?;
    if url.fragment().is_some() {
        return Err("a resource must not have a fragment".into());
    }
    match &config.resource {
        Some(pinned) if !same_resource(pinned, given) => Err(format!("resource {given} is not this server's")),
        _ => Ok(Some((*given).to_owned())),
    }
}

/// Whether two resource URIs are the same once normalized (`https://a.example`
/// and `https://a.example/` are: clients send either).
pub fn same_resource(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => a.as_str() == b.as_str(),
        _ => false,
    }
}

fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let mut out = uri.to_owned();
    let mut separator = if uri.contains('?') { '&' } else { '?' };
    for (name, value) in params {
        out.push(separator);
        out.push_str(name);
        out.push('=');
        out.push_str(&encode(value));
        separator = '&';
    }
    out
}

/// The redirect that grants: `code`, `state` (when the client sent one) and `iss`.
pub fn code_redirect(redirect_uri: &str, code: &str, state: Option<&str>, issuer: &str) -> String {
    let mut params = vec![("code", code)];
    params.extend(state.map(|s| ("state", s)));
    params.push(("iss", issuer));
    with_query(redirect_uri, &params)
}

/// The redirect that refuses: `error`, `error_description`, `state` and `iss`.
pub fn error_redirect(redirect_uri: &str, error: &OAuthError, state: Option<&str>, issuer: &str) -> String {
    let mut params = vec![("error", error.code.as_str()), ("error_description", error.description.as_str())];
    params.extend(state.map(|s| ("state", s)));
    params.push(("iss", issuer));
    with_query(redirect_uri, &params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::AuthMethod;

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn client(method: AuthMethod) -> Client {
        Client {
            client_id: "c1".into(),
            redirect_uris: vec!["https://app.example/cb".into(), "http://localhost/cb".into()],
            client_name: Some("App".into()),
            token_endpoint_auth_method: method,
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            response_types: vec!["code".into()],
            client_uri: None,
            logo_uri: None,
            contacts: Vec::new(),
            policy_uri: None,
            tos_uri: None,
            scope: None,
            client_id_issued_at: 0,
            from_metadata_document: false,
        }
    }

    fn query(extra: &str) -> String {
        format!("response_type=code&client_id=c1&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s1&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}")
    }

    fn parse(q: &str, c: &Client) -> Result<AuthorizationRequest, AuthorizeError> {
        parse_authorization_request(q, Some(c), &AuthorizeConfig::default())
    }

    #[test]
    fn accepts_a_good_request() {
        let public = client(AuthMethod::None);
        let request = parse(&query("&scope=read+write&resource=https%3A%2F%2Fmcp.example%2Fmcp"), &public).unwrap();
        assert_eq!(request.redirect_uri, "https://app.example/cb");
        assert_eq!(request.scope, vec!["read", "write"]);
        assert_eq!(request.state.as_deref(), Some("s1"));
        assert_eq!(request.code_challenge.as_deref(), Some(CHALLENGE));
        assert_eq!(request.resource.as_deref(), Some("https://mcp.example/mcp"));
        let loopback = query("").replace("https%3A%2F%2Fapp.example%2Fcb", "http%3A%2F%2Flocalhost%3A49152%2Fcb");
        assert_eq!(parse(&loopback, &public).unwrap().redirect_uri, "http://localhost:49152/cb");
        let confidential = client(AuthMethod::ClientSecretBasic);
        let no_pkce = "response_type=code&client_id=c1&redirect_uri=https%3A%2F%2Fapp.example%2Fcb";
        assert_eq!(parse(no_pkce, &confidential).unwrap().code_challenge, None);
    }

    #[test]
    fn local_errors_never_redirect() {
        let c = client(AuthMethod::None);
        let cases = [
            (query("").replace("client_id=c1&", ""), "client_id is required"),
            (query("").replace("client_id=c1", "client_id=c2"), "Unknown client"),
            (query("").replace("app.example%2Fcb", "evil.example%2Fcb"), "Invalid redirect URI"),
            (query("").replace("https%3A%2F%2Fapp.example%2Fcb", "javascript%3Aalert(1)"), "Invalid redirect URI"),
            (query("").replace("redirect_uri=https%3A%2F%2Fapp.example%2Fcb&", ""), "several"),
            (query("&client_id=c1"), "more than once"),
        ];
        for (q, why) in cases {
            let err = parse(&q, &c).unwrap_err();
            assert!(matches!(err, AuthorizeError::Local(_)), "{q}: {err:?}");
            assert!(err.error().description.contains(why), "{q}: {err:?}");
            assert_eq!(err.location("https://as.example"), None);
        }
        assert!(matches!(
            parse_authorization_request(&query(""), None, &AuthorizeConfig::default()),
            Err(AuthorizeError::Local(_))
        ));
    }

    #[test]
    fn later_errors_redirect_with_state_and_iss() {
        let public = client(AuthMethod::None);
        let pinned = AuthorizeConfig { resource: Some("https://mcp.example/mcp".into()) };
        let cases: Vec<(String, ErrorCode, &str)> = vec![
            (query("").replace("response_type=code&", ""), ErrorCode::InvalidRequest, "response_type is required"),
            (
                query("").replace("response_type=code", "response_type=token"),
                ErrorCode::UnsupportedResponseType,
                "token",
            ),
            (query("").replace("&code_challenge_method=S256", ""), ErrorCode::InvalidRequest, "plain PKCE"),
            (query("").replace("S256", "plain"), ErrorCode::InvalidRequest, "plain PKCE"),
            (
                query("").replace("S256", "S512"),
                ErrorCode::InvalidRequest,
                "Unsupported PKCE code_challenge_method: S512",
            ),
            (query("").replace(CHALLENGE, "short"), ErrorCode::InvalidRequest, "43-character"),
            (
                query("").replace(&format!("&code_challenge={CHALLENGE}"), ""),
                ErrorCode::InvalidRequest,
                "code_challenge_method without",
            ),
            (
                query("").replace(&format!("&code_challenge={CHALLENGE}&code_challenge_method=S256"), ""),
                ErrorCode::InvalidRequest,
                "Public clients must use PKCE",
            ),
            (query("&scope=%22x%22"), ErrorCode::InvalidScope, "invalid scope"),
            (query("&resource=not-a-uri"), ErrorCode::InvalidTarget, "not an absolute URI"),
            (query("&resource=https%3A%2F%2Fmcp.example%2Fmcp%23x"), ErrorCode::InvalidTarget, "fragment"),
            (query("&scope=a&scope=b"), ErrorCode::InvalidRequest, "more than once"),
            (
                query(&format!("&x={}", "y")).replace("state=s1", &format!("state={}", "s".repeat(3000))),
                ErrorCode::InvalidRequest,
                "state must be",
            ),
        ];
        for (q, code, why) in cases {
            let err = parse(&q, &public).unwrap_err();
            assert_eq!(err.error().code, code, "{q}: {err:?}");
            assert!(err.error().description.contains(why), "{q}: {err:?}");
            let location = err.location("https://as.example").expect("redirected");
            assert!(location.starts_with("https://app.example/cb?error="), "{location}");
            assert!(location.ends_with("&iss=https%3A%2F%2Fas.example"), "{location}");
        }
        let other = query("&resource=https%3A%2F%2Fother.example%2Fmcp");
        let err = parse_authorization_request(&other, Some(&public), &pinned).unwrap_err();
        assert_eq!(err.error().code, ErrorCode::InvalidTarget);
        let mut no_code = client(AuthMethod::None);
        no_code.response_types = vec![];
        assert_eq!(parse(&query(""), &no_code).unwrap_err().error().code, ErrorCode::UnauthorizedClient);
    }

    #[test]
    fn a_pinned_resource_is_the_default_and_matches_normalized() {
        let public = client(AuthMethod::None);
        let pinned = AuthorizeConfig { resource: Some("https://mcp.example".into()) };
        let request = parse_authorization_request(&query(""), Some(&public), &pinned).unwrap();
        assert_eq!(request.resource.as_deref(), Some("https://mcp.example"));
        let slash = query("&resource=https%3A%2F%2Fmcp.example%2F");
        assert!(parse_authorization_request(&slash, Some(&public), &pinned).is_ok());
    }

    #[test]
    fn redirects_carry_code_state_and_iss() {
        assert_eq!(
            code_redirect("https://app.example/cb", "u:g:x", Some("a b"), "https://as.example"),
            "https://app.example/cb?code=u%3Ag%3Ax&state=a+b&iss=https%3A%2F%2Fas.example"
        );
        let denied = OAuthError::new(ErrorCode::AccessDenied, "The user denied access");
        assert_eq!(
            error_redirect("https://app.example/cb?x=1", &denied, None, "https://as.example"),
            "https://app.example/cb?x=1&error=access_denied&error_description=The+user+denied+access&iss=https%3A%2F%2Fas.example"
        );
        assert_eq!(requested_client_id("client_id=c%201&x=1").as_deref(), Some("c 1"));
    }
}
