//! The client agent's side of an OAuth login to a remote MCP server (pure):
//! its dynamic registration (RFC 7591), the token requests (code with PKCE,
//! refresh; both naming the resource, RFC 8707) and the tokens it keeps.

use std::fmt;

use serde_json::{json, Value};
use worker::url::form_urlencoded;

/// Longest access or refresh token kept, in bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// How long before expiry a token is refreshed rather than used.
pub const REFRESH_EARLY_MS: i64 = 60_000;

/// The registration a client agent asks for: a public client (PKCE, no
/// secret) with the agent's callback, codes and refresh tokens.
pub fn registration_request(client_name: &str, redirect_uri: &str, scope: Option<&str>) -> Value {
    let mut body = json!({
        "client_name": client_name,
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    });
    if let Some(scope) = scope {
        body["scope"] = json!(scope);
    }
    body
}

/// What the authorization server registered. Its `Debug` leaves the secret out.
#[derive(Clone, PartialEq, Eq)]
pub struct RegisteredClient {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`, for a confidential registration.
    pub client_secret: Option<String>,
    /// How the client authenticates at the token endpoint.
    pub auth_method: String,
}

impl fmt::Debug for RegisteredClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisteredClient")
            .field("client_id", &self.client_id)
            .field("auth_method", &self.auth_method)
            .finish_non_exhaustive()
    }
}

impl RegisteredClient {
    /// Reads a registration response (`client_id` required).
    pub fn from_json(doc: &Value) -> Result<Self, String> {
        let client_id =
            doc["client_id"].as_str().filter(|id| !id.is_empty()).ok_or("the registration has no client_id")?;
        let client_secret = doc["client_secret"].as_str().map(str::to_owned);
        let auth_method = doc["token_endpoint_auth_method"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| if client_secret.is_some() { "client_secret_basic" } else { "none" }.to_owned());
        Ok(RegisteredClient { client_id: client_id.to_owned(), client_secret, auth_method })
    }

    /// A client the agent did not register: `client_id` (a pre-registered
    /// id, or the URL of its metadata document), and a secret for a
    /// confidential one, sent as the token endpoint says it takes
    /// (`client_secret_basic` unless only `client_secret_post` is listed).
    pub fn pre_registered(client_id: &str, client_secret: Option<&str>, auth_methods: &[String]) -> Self {
        let auth_method = match client_secret {
            None => "none",
            Some(_) if auth_methods.iter().any(|m| m == "client_secret_basic") => "client_secret_basic",
            Some(_) if auth_methods.iter().any(|m| m == "client_secret_post") => "client_secret_post",
            Some(_) => "client_secret_basic",
        };
        RegisteredClient {
            client_id: client_id.to_owned(),
            client_secret: client_secret.map(str::to_owned),
            auth_method: auth_method.to_owned(),
        }
    }

    /// The token request's client fields: `client_id` for a public client
    /// or `client_secret_post`, the secret too for the latter. (Basic
    /// authentication is a header: [`basic_credentials`](Self::basic_credentials).)
    fn form_fields(&self) -> Vec<(&'static str, &str)> {
        let mut fields = Vec::new();
        // A client without Basic credentials names itself in the form.
        if self.basic_credentials().is_none() {
            fields.push(("client_id", self.client_id.as_str()));
        }
        if let ("client_secret_post", Some(secret)) = (self.auth_method.as_str(), &self.client_secret) {
            fields.push(("client_secret", secret.as_str()));
        }
        fields
    }

    /// `id:secret` for `Authorization: Basic` (form-encoded first, RFC 6749
    /// §2.3.1), when the client authenticates that way.
    pub fn basic_credentials(&self) -> Option<String> {
        let secret = self.client_secret.as_deref().filter(|_| self.auth_method == "client_secret_basic")?;
        let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        Some(format!("{}:{}", encode(&self.client_id), encode(secret)))
    }
}

/// The form that trades a code for tokens.
pub fn code_request(
    client: &RegisteredClient,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
    resource: &str,
) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("code_verifier", verifier)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("resource", resource);
    for (name, value) in client.form_fields() {
        form.append_pair(name, value);
    }
    form.finish()
}

/// The form that trades a refresh token for new tokens.
pub fn refresh_request(client: &RegisteredClient, refresh_token: &str, resource: &str) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "refresh_token")
        .append_pair("refresh_token", refresh_token)
        .append_pair("resource", resource);
    for (name, value) in client.form_fields() {
        form.append_pair(name, value);
    }
    form.finish()
}

/// The tokens a client agent keeps for one server. Its `Debug` leaves the
/// tokens out.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The access token.
    pub access_token: String,
    /// The refresh token, if any.
    pub refresh_token: Option<String>,
    /// When the access token expires (Unix ms), if the server said.
    pub expires_at_ms: Option<i64>,
    /// The scope granted, if the server said.
    pub scope: Option<String>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_at_ms", &self.expires_at_ms)
            .field("scope", &self.scope)
            .field("refreshable", &self.refresh_token.is_some())
            .finish()
    }
}

/// Why the token endpoint gave no tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// An OAuth error (`invalid_grant`: log in again).
    Refused {
        /// The code.
        error: String,
        /// Its description.
        description: Option<String>,
    },
    /// An answer that is not a token response.
    Malformed(String),
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Refused { error, description: Some(d) } => write!(f, "{error}: {d}"),
            TokenError::Refused { error, description: None } => f.write_str(error),
            TokenError::Malformed(why) => write!(f, "malformed token response: {why}"),
        }
    }
}

impl Tokens {
    /// Reads a token response at `now_ms`. A refresh that returns no new
    /// refresh token keeps `previous`'s.
    pub fn from_json(doc: &Value, now_ms: i64, previous: Option<&Tokens>) -> Result<Self, TokenError> {
        if let Some(error) = doc["error"].as_str() {
            let description = doc["error_description"].as_str().map(str::to_owned);
            return Err(TokenError::Refused { error: error.to_owned(), description });
        }
        let malformed = |why: &str| TokenError::Malformed(why.to_owned());
        let access_token =
            doc["access_token"].as_str().filter(|t| !t.is_empty()).ok_or_else(|| malformed("no access_token"))?;
        if !doc["token_type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case("bearer")) {
            return Err(malformed("token_type is not Bearer"));
        }
        let refresh_token = doc["refresh_token"].as_str().map(str::to_owned);
        if access_token.len() > MAX_TOKEN_BYTES || refresh_token.as_ref().is_some_and(|t| t.len() > MAX_TOKEN_BYTES) {
            return Err(malformed("a token is too long"));
        }
        let expires_at_ms = match &doc["expires_in"] {
            Value::Null => None,
            value => {
                // Some servers send the number as a string.
                let seconds = match value {
                    Value::String(text) => text.trim().parse::<f64>().ok(),
                    other => other.as_f64(),
                };
                let seconds =
                    seconds.filter(|s| s.is_finite() && *s >= 0.0).ok_or_else(|| malformed("bad expires_in"))?;
                Some(now_ms.saturating_add((seconds.min(1e12) * 1000.0) as i64))
            }
        };
        Ok(Tokens {
            access_token: access_token.to_owned(),
            refresh_token: refresh_token.or_else(|| previous.and_then(|p| p.refresh_token.clone())),
            expires_at_ms,
            // An answer without a scope grants the one the client had (RFC 6749 §5.1).
            scope: doc["scope"].as_str().map(str::to_owned).or_else(|| previous.and_then(|p| p.scope.clone())),
        })
    }

    /// Whether the access token should be refreshed before use at `now_ms`
    /// (it expires within [`REFRESH_EARLY_MS`]).
    pub fn needs_refresh(&self, now_ms: i64) -> bool {
        self.expires_at_ms.is_some_and(|at| at.saturating_sub(REFRESH_EARLY_MS) <= now_ms)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clients_not_registered_by_the_agent_authenticate_as_the_server_takes() {
        let methods = |m: &[&str]| m.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let public = RegisteredClient::pre_registered("https://app.example/client.json", None, &methods(&[]));
        assert_eq!((public.auth_method.as_str(), public.basic_credentials()), ("none", None));
        assert_eq!(public.form_fields(), vec![("client_id", "https://app.example/client.json")]);
        let basic = RegisteredClient::pre_registered("id", Some("s:1"), &methods(&["client_secret_basic"]));
        assert_eq!(basic.basic_credentials().as_deref(), Some("id:s%3A1"));
        assert!(basic.form_fields().is_empty());
        let post = RegisteredClient::pre_registered("id", Some("s"), &methods(&["client_secret_post"]));
        assert_eq!(post.basic_credentials(), None);
        assert_eq!(post.form_fields(), vec![("client_id", "id"), ("client_secret", "s")]);
        // Neither listed: Basic, RFC 6749's default.
        let default = RegisteredClient::pre_registered("id", Some("s"), &methods(&["private_key_jwt"]));
        assert_eq!(default.auth_method, "client_secret_basic");
    }

    use super::*;

    fn public() -> RegisteredClient {
        RegisteredClient::from_json(&json!({"client_id": "c1", "token_endpoint_auth_method": "none"})).unwrap()
    }

    fn pairs(form: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(form.as_bytes()).into_owned().collect()
    }

    #[test]
    fn registers_as_a_public_client() {
        let body = registration_request("agent", "https://a.example/agents/x/y/callback", Some("read"));
        assert_eq!(body["token_endpoint_auth_method"], "none");
        assert_eq!(body["redirect_uris"], json!(["https://a.example/agents/x/y/callback"]));
        assert_eq!(body["scope"], "read");
        assert!(registration_request("a", "r", None).get("scope").is_none());
        assert!(RegisteredClient::from_json(&json!({"client_secret": "s"})).is_err());
        let secret = RegisteredClient::from_json(&json!({"client_id": "c 2", "client_secret": "s&t"})).unwrap();
        assert_eq!(secret.auth_method, "client_secret_basic");
        assert_eq!(secret.basic_credentials().as_deref(), Some("c+2:s%26t"));
        assert!(!format!("{secret:?}").contains("s&t"));
    }

    #[test]
    fn token_requests_name_the_resource_and_the_client() {
        let form = pairs(&code_request(&public(), "the code", "v", "https://a.example/cb", "https://m.example/mcp"));
        let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(get("grant_type"), Some("authorization_code"));
        assert_eq!(get("code"), Some("the code"));
        assert_eq!(get("resource"), Some("https://m.example/mcp"));
        assert_eq!(get("client_id"), Some("c1"));
        let post = RegisteredClient::from_json(
            &json!({"client_id": "c", "client_secret": "s", "token_endpoint_auth_method": "client_secret_post"}),
        )
        .unwrap();
        let form = pairs(&refresh_request(&post, "r1", "https://m.example/mcp"));
        assert!(form.contains(&("client_secret".into(), "s".into())));
        assert!(form.contains(&("refresh_token".into(), "r1".into())));
        assert_eq!(post.basic_credentials(), None);
        // Basic without a secret cannot authenticate: the form names the client.
        let no_secret = RegisteredClient::from_json(
            &json!({"client_id": "c3", "token_endpoint_auth_method": "client_secret_basic"}),
        )
        .unwrap();
        assert!(pairs(&refresh_request(&no_secret, "r", "https://m.example/mcp"))
            .contains(&("client_id".into(), "c3".into())));
    }

    #[test]
    fn tokens_are_read_and_refreshed() {
        let tokens = Tokens::from_json(
            &json!({"access_token": "a1", "token_type": "bearer", "expires_in": 3600, "refresh_token": "r1", "scope": "read"}),
            1_000,
            None,
        )
        .unwrap();
        assert_eq!(tokens.expires_at_ms, Some(3_601_000));
        assert!(!tokens.needs_refresh(1_000));
        assert!(tokens.needs_refresh(3_601_000 - REFRESH_EARLY_MS));
        // A refresh that sends no refresh token keeps the one the client had.
        let next =
            Tokens::from_json(&json!({"access_token": "a2", "token_type": "Bearer"}), 2_000, Some(&tokens)).unwrap();
        assert_eq!(next.refresh_token.as_deref(), Some("r1"));
        assert_eq!(next.scope.as_deref(), Some("read"));
        let text =
            Tokens::from_json(&json!({"access_token": "a", "token_type": "bearer", "expires_in": "60"}), 0, None)
                .unwrap();
        assert_eq!(text.expires_at_ms, Some(60_000));
        assert_eq!(next.expires_at_ms, None);
        assert!(!next.needs_refresh(i64::MAX));
        assert!(!format!("{next:?}").contains("a2"));
        let refused =
            Tokens::from_json(&json!({"error": "invalid_grant", "error_description": "gone"}), 0, None).unwrap_err();
        assert_eq!(refused.to_string(), "invalid_grant: gone");
        for bad in [
            json!({"token_type": "bearer"}),
            json!({"access_token": "a", "token_type": "mac"}),
            json!({"access_token": "a", "token_type": "bearer", "expires_in": -1}),
            json!({"access_token": "x".repeat(MAX_TOKEN_BYTES + 1), "token_type": "bearer"}),
        ] {
            assert!(matches!(Tokens::from_json(&bad, 0, None), Err(TokenError::Malformed(_))), "{bad}");
        }
    }
}
