//! Dynamic client registration (RFC 7591): the metadata a client posts,
//! validated and completed with the RFC's defaults, and the 201 body that
//! answers it. Pure; the endpoint reads the JSON (bad JSON is its 400
//! `invalid_request`), makes the id and secret, and stores the client.
//!
//! Every refusal is 400 `invalid_client_metadata`, bad redirect URIs too:
//! RFC 7591 §3.2.2 has `invalid_redirect_uri` for them, but the reference
//! answers `invalid_client_metadata`, and the MCP SDK client knows no
//! `invalid_redirect_uri` (it would surface as a `ServerError`).
//!
//! Fields this server does not know (`jwks`, `software_id` …) are ignored
//! (RFC 7591 §2); `null` and `""` count as absent.

use serde_json::{Map, Value};

use super::client::{AuthMethod, Client};
use super::error::OAuthError;
use super::json_fields::{invalid, Fields};
use super::redirect::{check_redirect_uri, MAX_REDIRECT_URI_BYTES};
use super::scope::{parse_scope, Scope};

/// Most redirect URIs a client may register.
pub const MAX_REDIRECT_URIS: usize = 20;
/// Longest `client_name`, in characters.
pub const MAX_CLIENT_NAME_CHARS: usize = 256;
/// Most `contacts`, and the longest one in characters.
const MAX_CONTACTS: usize = 10;
const MAX_CONTACT_CHARS: usize = 256;
/// Longest `scope`, in bytes.
const MAX_SCOPE_BYTES: usize = 1024;
/// The grant and response types this server supports.
const GRANT_TYPES: &[&str] = &["authorization_code", "refresh_token"];
const RESPONSE_TYPES: &[&str] = &["code"];

/// A registration's metadata, validated, with defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRequest {
    /// The redirect URIs (at least one, each safe, without duplicates).
    pub redirect_uris: Vec<String>,
    /// The name shown on the consent page.
    pub client_name: Option<String>,
    /// Its home page (`https`, or `http` on a loopback host).
    pub client_uri: Option<String>,
    /// Its logo (as `client_uri`).
    pub logo_uri: Option<String>,
    /// Its privacy policy (as `client_uri`).
    pub policy_uri: Option<String>,
    /// Its terms of service (as `client_uri`).
    pub tos_uri: Option<String>,
    /// Contacts (e-mail addresses, as sent).
    pub contacts: Vec<String>,
    /// The scope it asks for, if any.
    pub scope: Option<Scope>,
    /// How it authenticates at the token endpoint (default `client_secret_basic`).
    pub token_endpoint_auth_method: AuthMethod,
    /// Its grant types (default `["authorization_code"]`).
    pub grant_types: Vec<String>,
    /// Its response types (default `["code"]`).
    pub response_types: Vec<String>,
}

/// Validates registration `metadata`; `allow_public` is whether clients
/// without a secret (`token_endpoint_auth_method: "none"`) may register.
///
/// Refused (400 `invalid_client_metadata`, the description naming the
/// field): not an object; `redirect_uris` missing, empty, more than
/// [`MAX_REDIRECT_URIS`], or one unsafe ([`check_redirect_uri`]); a field of
/// the wrong JSON type; a name, contact or URI too long or with control
/// characters; a `client_uri`/`logo_uri`/`policy_uri`/`tos_uri` that is not
/// `https` (or loopback `http`); a bad scope token; an auth method other
/// than `client_secret_basic`, `client_secret_post` and `none` (e.g.
/// `private_key_jwt`), or `none` when `!allow_public`; a grant type other
/// than `authorization_code` and `refresh_token` (`password`,
/// `client_credentials`, `implicit` …); a response type other than `code`;
/// empty `grant_types` or `response_types`; `authorization_code` without
/// `code` or the other way round (RFC 7591 §2.1).
pub fn validate_registration(metadata: &Value, allow_public: bool) -> Result<RegistrationRequest, OAuthError> {
    let Some(object) = metadata.as_object() else {
        return Err(invalid("the client metadata must be a JSON object"));
    };
    let f = Fields(object);
    let listed = f.strings("redirect_uris", MAX_REDIRECT_URIS, MAX_REDIRECT_URI_BYTES)?;
    let listed = listed.filter(|l| !l.is_empty()).ok_or_else(|| invalid("redirect_uris must list at least one URI"))?;
    let mut redirect_uris: Vec<String> = Vec::with_capacity(listed.len());
    for uri in listed {
        check_redirect_uri(uri).map_err(|why| invalid(format!("redirect_uris: {why}")))?;
        if !redirect_uris.iter().any(|u| u == uri) {
            redirect_uris.push(uri.to_owned());
        }
    }
    let scope = match f.string("scope", MAX_SCOPE_BYTES)? {
        Some(text) if text.len() > MAX_SCOPE_BYTES => {
            return Err(invalid(format!("scope must be at most {MAX_SCOPE_BYTES} bytes")))
        }
        Some(text) => Some(parse_scope(text).map_err(|why| invalid(format!("scope: {why}")))?),
        None => None,
    };
    let token_endpoint_auth_method = match f.string("token_endpoint_auth_method", 64)? {
        None => AuthMethod::ClientSecretBasic,
        Some(name) => AuthMethod::parse(name).ok_or_else(|| {
            invalid(format!(
                "token_endpoint_auth_method {name:?} is not supported (client_secret_basic, client_secret_post, none)"
            ))
        })?,
    };
    if token_endpoint_auth_method.is_public() && !allow_public {
        return Err(invalid("public clients (token_endpoint_auth_method \"none\") may not register"));
    }
    let grant_types = types(f, "grant_types", GRANT_TYPES, "authorization_code")?;
    let response_types = types(f, "response_types", RESPONSE_TYPES, "code")?;
    let code_grant = grant_types.iter().any(|g| g == "authorization_code");
    let code_response = response_types.iter().any(|r| r == "code");
    if code_grant != code_response {
        return Err(invalid("grant_types has authorization_code exactly when response_types has code"));
    }
    Ok(RegistrationRequest {
        redirect_uris,
        client_name: f.string("client_name", MAX_CLIENT_NAME_CHARS)?.map(Into::into),
        client_uri: f.web_uri("client_uri", MAX_REDIRECT_URI_BYTES)?,
        logo_uri: f.web_uri("logo_uri", MAX_REDIRECT_URI_BYTES)?,
        policy_uri: f.web_uri("policy_uri", MAX_REDIRECT_URI_BYTES)?,
        tos_uri: f.web_uri("tos_uri", MAX_REDIRECT_URI_BYTES)?,
        contacts: f
            .strings("contacts", MAX_CONTACTS, MAX_CONTACT_CHARS)?
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect(),
        scope: scope.filter(|s| !s.is_empty()),
        token_endpoint_auth_method,
        grant_types,
        response_types,
    })
}

/// The `grant_types` or `response_types` field: each one `supported`,
/// without duplicates, not empty; `[default]` when absent.
fn types(f: Fields<'_>, name: &str, supported: &[&str], default: &str) -> Result<Vec<String>, OAuthError> {
    let Some(listed) = f.strings(name, 8, 64)? else {
        return Ok(vec![default.to_owned()]);
    };
    let mut out: Vec<String> = Vec::with_capacity(listed.len());
    for value in listed {
        if !supported.contains(&value) {
            return Err(invalid(format!("{name}: {value:?} is not supported ({})", supported.join(", "))));
        }
        if !out.iter().any(|v| v == value) {
            out.push(value.to_owned());
        }
    }
    if out.is_empty() {
        return Err(invalid(format!("{name} must not be empty")));
    }
    Ok(out)
}

impl RegistrationRequest {
    /// The client record registered with this id at `issued_at` (Unix seconds).
    pub fn into_client(self, client_id: String, issued_at: i64) -> Client {
        Client {
            client_id,
            redirect_uris: self.redirect_uris,
            client_name: self.client_name,
            token_endpoint_auth_method: self.token_endpoint_auth_method,
            grant_types: self.grant_types,
            response_types: self.response_types,
            client_uri: self.client_uri,
            logo_uri: self.logo_uri,
            contacts: self.contacts,
            policy_uri: self.policy_uri,
            tos_uri: self.tos_uri,
            scope: self.scope.map(|s| s.join(" ")),
            client_id_issued_at: issued_at,
            from_metadata_document: false,
        }
    }
}

/// The 201 body of a registration (RFC 7591 §3.2.1): the client's fields,
/// `client_secret` and `client_secret_issued_at` when a secret was issued,
/// and `client_secret_expires_at` (0: never). Optional fields are absent,
/// never `null` (the MCP SDK client's schema refuses `null`).
pub fn registration_response(client: &Client, secret: Option<&str>, secret_expires_at: i64) -> Value {
    let mut body = match serde_json::to_value(client) {
        Ok(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    if let Some(secret) = secret {
        body.insert("client_secret".into(), secret.into());
        body.insert("client_secret_issued_at".into(), client.client_id_issued_at.into());
    }
    body.insert("client_secret_expires_at".into(), secret_expires_at.into());
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::ErrorCode;
    use serde_json::json;

    #[test]
    fn defaults_and_full_metadata() {
        let minimal = validate_registration(&json!({"redirect_uris": ["https://app.example/cb"]}), false).unwrap();
        assert_eq!(
            minimal,
            RegistrationRequest {
                redirect_uris: vec!["https://app.example/cb".into()],
                client_name: None,
                client_uri: None,
                logo_uri: None,
                policy_uri: None,
                tos_uri: None,
                contacts: vec![],
                scope: None,
                token_endpoint_auth_method: AuthMethod::ClientSecretBasic,
                grant_types: vec!["authorization_code".into()],
                response_types: vec!["code".into()],
            }
        );
        // The MCP SDK client's registration, with repeats, nulls and empty strings.
        let full = json!({
            "redirect_uris": ["http://localhost:6274/cb", "cursor://x/cb", "http://localhost:6274/cb"],
            "client_name": "MCP Inspector", "client_uri": "https://github.com/modelcontextprotocol/inspector",
            "logo_uri": "http://127.0.0.1:6274/logo.png", "policy_uri": null, "tos_uri": "",
            "contacts": ["ops@example.com"], "scope": "read write read",
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token", "refresh_token"],
            "response_types": ["code"], "software_id": "ignored", "jwks": {"keys": []},
        });
        let request = validate_registration(&full, true).unwrap();
        assert_eq!(request.redirect_uris, ["http://localhost:6274/cb", "cursor://x/cb"]);
        assert_eq!(request.client_name.as_deref(), Some("MCP Inspector"));
        assert_eq!(request.client_uri.as_deref(), Some("https://github.com/modelcontextprotocol/inspector"));
        assert_eq!(request.logo_uri.as_deref(), Some("http://127.0.0.1:6274/logo.png"));
        assert_eq!((request.policy_uri.as_deref(), request.tos_uri.as_deref()), (None, None));
        assert_eq!(request.contacts, ["ops@example.com"]);
        assert_eq!(request.scope, Some(vec!["read".into(), "write".into()]));
        assert_eq!(request.token_endpoint_auth_method, AuthMethod::None);
        assert_eq!(request.grant_types, ["authorization_code", "refresh_token"]);
        let post = validate_registration(
            &json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "client_secret_post"}),
            false,
        );
        assert_eq!(post.unwrap().token_endpoint_auth_method, AuthMethod::ClientSecretPost);
        let uris: Vec<_> = (0..MAX_REDIRECT_URIS).map(|i| format!("https://a.example/{i}")).collect();
        let max = json!({ "redirect_uris": uris });
        assert_eq!(validate_registration(&max, false).unwrap().redirect_uris.len(), MAX_REDIRECT_URIS);
    }

    #[test]
    fn refused_metadata() {
        let uris = |n: usize| (0..n).map(|i| format!("https://a.example/{i}")).collect::<Vec<_>>();
        let with = |field: &str, value: Value| {
            let mut metadata = json!({"redirect_uris": ["https://app.example/cb"]});
            metadata[field] = value;
            metadata
        };
        for (metadata, allow_public, says) in [
            (json!(["https://app.example/cb"]), true, "must be a JSON object"),
            (json!({}), true, "redirect_uris must list at least one"),
            (json!({"redirect_uris": null}), true, "redirect_uris must list at least one"),
            (json!({"redirect_uris": []}), true, "redirect_uris must list at least one"),
            (json!({"redirect_uris": [""]}), true, "redirect_uris must list at least one"),
            (json!({"redirect_uris": "https://app.example/cb"}), true, "redirect_uris must be an array of strings"),
            (json!({"redirect_uris": [42]}), true, "redirect_uris must be an array of strings"),
            (json!({"redirect_uris": uris(MAX_REDIRECT_URIS + 1)}), true, "redirect_uris may list at most 20"),
            (json!({"redirect_uris": ["javascript:alert(1)"]}), true, "redirect_uris: the javascript: scheme"),
            (
                json!({"redirect_uris": ["https://app.example/cb", "data:text/html,x"]}),
                true,
                "redirect_uris: the data:",
            ),
            (json!({"redirect_uris": ["http://evil.example/cb"]}), true, "redirect_uris: an http redirect URI"),
            (
                json!({"redirect_uris": ["https://app.example/cb#x"]}),
                true,
                "redirect_uris: a redirect URI must not have a fragment",
            ),
            (
                json!({"redirect_uris": [format!("https://a.example/{}", "x".repeat(2048))]}),
                true,
                "redirect_uris must be at most",
            ),
            (with("client_name", json!(7)), true, "client_name must be a string"),
            (with("client_name", json!("x".repeat(257))), true, "client_name must be at most 256"),
            (with("client_name", json!("a\u{7}b")), true, "client_name must not contain control"),
            (with("client_uri", json!("javascript:alert(1)")), true, "client_uri must be an https URI"),
            (with("logo_uri", json!("http://cdn.example/logo.png")), true, "logo_uri must be an https URI"),
            (with("logo_uri", json!("data:image/png;base64,AAAA")), true, "logo_uri must be an https URI"),
            (with("policy_uri", json!("https://u:p@a.example/")), true, "policy_uri must not carry a user name"),
            (with("tos_uri", json!("https://a.example/\ttos")), true, "tos_uri must not contain control"),
            (with("tos_uri", json!("not a uri")), true, "tos_uri must not contain spaces"),
            (with("tos_uri", json!("/tos")), true, "tos_uri is not a valid URI"),
            (with("contacts", json!("ops@example.com")), true, "contacts must be an array of strings"),
            (with("contacts", json!(vec!["a@example.com"; 11])), true, "contacts may list at most 10"),
            (with("scope", json!(["read"])), true, "scope must be a string"),
            (with("scope", json!("read \"admin\"")), true, "scope: invalid scope token"),
            (with("scope", json!("s ".repeat(600))), true, "scope must be at most 1024"),
            (
                with("token_endpoint_auth_method", json!("private_key_jwt")),
                true,
                "\"private_key_jwt\" is not supported",
            ),
            (with("token_endpoint_auth_method", json!("client_secret_jwt")), true, "is not supported"),
            (with("token_endpoint_auth_method", json!(["none"])), true, "token_endpoint_auth_method must be a string"),
            (with("token_endpoint_auth_method", json!("none")), false, "public clients"),
            (with("grant_types", json!(["password"])), true, "grant_types: \"password\" is not supported"),
            (with("grant_types", json!(["client_credentials"])), true, "grant_types: \"client_credentials\""),
            (with("grant_types", json!(["authorization_code", "implicit"])), true, "grant_types: \"implicit\""),
            (with("grant_types", json!("authorization_code")), true, "grant_types must be an array of strings"),
            (with("grant_types", json!([])), true, "grant_types must not be empty"),
            (with("grant_types", json!(["refresh_token"])), true, "exactly when"),
            (with("response_types", json!(["token"])), true, "response_types: \"token\" is not supported"),
            (with("response_types", json!(["code id_token"])), true, "is not supported"),
            (with("response_types", json!([])), true, "response_types must not be empty"),
        ] {
            let err = validate_registration(&metadata, allow_public).unwrap_err();
            assert_eq!((err.status(), err.code), (400, ErrorCode::InvalidClientMetadata), "{metadata}: {err}");
            assert!(err.description.contains(says), "{metadata}: {err}");
        }
    }

    #[test]
    fn response_bodies() {
        let metadata =
            json!({"redirect_uris": ["https://app.example/cb"], "client_name": "App", "scope": "read write"});
        let client = validate_registration(&metadata, false).unwrap().into_client("c123".into(), 1_700_000_000);
        assert_eq!(client.client_id, "c123");
        assert_eq!(client.scope.as_deref(), Some("read write"));
        assert_eq!(
            registration_response(&client, Some("s3cret"), 1_707_776_000),
            json!({
                "client_id": "c123", "redirect_uris": ["https://app.example/cb"], "client_name": "App",
                "token_endpoint_auth_method": "client_secret_basic", "grant_types": ["authorization_code"],
                "response_types": ["code"], "scope": "read write", "client_id_issued_at": 1_700_000_000,
                "client_secret": "s3cret", "client_secret_issued_at": 1_700_000_000,
                "client_secret_expires_at": 1_707_776_000,
            })
        );
        let public = json!({"redirect_uris": ["http://localhost/cb"], "token_endpoint_auth_method": "none"});
        let client = validate_registration(&public, true).unwrap().into_client("p1".into(), 5);
        let body = registration_response(&client, None, 0);
        assert_eq!(
            body,
            json!({
                "client_id": "p1", "redirect_uris": ["http://localhost/cb"], "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code"], "response_types": ["code"], "client_id_issued_at": 5,
                "client_secret_expires_at": 0,
            })
        );
        assert!(!body.to_string().contains("null"));
    }
}
