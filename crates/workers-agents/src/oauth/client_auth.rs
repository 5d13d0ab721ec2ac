//! Client authentication at the token endpoint (RFC 6749 §2.3): which
//! client a request says it is, how it proves it, and whether that is the
//! method the client registered. Pure; the secret itself is checked by the
//! provider against the stored hash.

use super::base64;
use super::client::{AuthMethod, Client};
use super::error::{ErrorCode, OAuthError};
use super::form;

/// The client a token request names, and the secret it presents.
#[derive(Clone, PartialEq, Eq)]
pub enum ClientCredentials {
    /// `Authorization: Basic` with the client id and secret (`client_secret_basic`).
    Basic {
        /// The client id.
        client_id: String,
        /// The secret (may be empty: the check against the stored hash refuses it).
        secret: String,
    },
    /// `client_id` and `client_secret` in the form (`client_secret_post`).
    Post {
        /// The client id.
        client_id: String,
        /// The secret.
        secret: String,
    },
    /// Only a `client_id` in the form: a public client (`none`).
    Public {
        /// The client id.
        client_id: String,
    },
}

impl ClientCredentials {
    /// The client id presented.
    pub fn client_id(&self) -> &str {
        match self {
            ClientCredentials::Basic { client_id, .. }
            | ClientCredentials::Post { client_id, .. }
            | ClientCredentials::Public { client_id } => client_id,
        }
    }

    /// The secret presented, if any.
    pub fn secret(&self) -> Option<&str> {
        match self {
            ClientCredentials::Basic { secret, .. } | ClientCredentials::Post { secret, .. } => Some(secret),
            ClientCredentials::Public { .. } => None,
        }
    }

    /// The authentication method these credentials use.
    pub fn method(&self) -> AuthMethod {
        match self {
            ClientCredentials::Basic { .. } => AuthMethod::ClientSecretBasic,
            ClientCredentials::Post { .. } => AuthMethod::ClientSecretPost,
            ClientCredentials::Public { .. } => AuthMethod::None,
        }
    }
}

/// Debug without the secret, so that logging a request cannot leak it.
impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("method", &self.method().as_str())
            .field("client_id", &self.client_id())
            .finish_non_exhaustive()
    }
}

/// Whether `credentials` use the method `client` registered: a client that
/// registered `client_secret_basic` must use Basic, one that registered
/// `client_secret_post` the form, and a public client no secret at all (and
/// a confidential client may never leave its secret out). `Err` is 401
/// `invalid_client`. That the ids are the same is the caller's concern (it
/// looked the client up by `credentials.client_id()`).
pub fn check_auth_method(client: &Client, credentials: &ClientCredentials) -> Result<(), OAuthError> {
    if client.token_endpoint_auth_method == credentials.method() {
        Ok(())
    } else {
        Err(OAuthError::new(ErrorCode::InvalidClient, "Client authentication failed"))
    }
}

/// The credentials of a request with this `Authorization` header and these
/// form `client_id` / `client_secret` values (empty values already dropped).
///
/// - `Basic` (the scheme in any case): base64 of `id:secret`, each
///   form-encoded (RFC 6749 §2.3.1); malformed → 401 `invalid_client`.
/// - Basic and a form `client_secret` → 400 `invalid_request` "multiple
///   authentication methods"; a form `client_id` beside Basic is tolerated
///   when it is the same id (clients may send it always), else 400.
/// - Another scheme (`Bearer` …) → 401 `invalid_client`.
/// - No client id anywhere → 401 `invalid_client`; a form secret without an
///   id → 400 `invalid_request`.
pub(crate) fn credentials(
    authorization: Option<&str>,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<ClientCredentials, OAuthError> {
    let invalid_client = |why: &str| OAuthError::new(ErrorCode::InvalidClient, why);
    let invalid_request = |why: &str| OAuthError::new(ErrorCode::InvalidRequest, why);
    if let Some(header) = authorization.map(str::trim).filter(|h| !h.is_empty()) {
        let (client_id, secret) = basic(header).ok_or_else(|| invalid_client("Invalid Basic authorization header"))?;
        if form_secret.is_some() {
            return Err(invalid_request("The client used multiple authentication methods"));
        }
        if form_id.is_some_and(|id| id != client_id) {
            return Err(invalid_request("The form client_id differs from the Basic authorization"));
        }
        return Ok(ClientCredentials::Basic { client_id, secret });
    }
    match (form_id, form_secret) {
        (Some(id), Some(secret)) => Ok(ClientCredentials::Post { client_id: id.into(), secret: secret.into() }),
        (Some(id), None) => Ok(ClientCredentials::Public { client_id: id.into() }),
        (None, Some(_)) => Err(invalid_request("client_secret without client_id")),
        (None, None) => Err(invalid_client("Client authentication is required")),
    }
}

/// The id and secret of a `Basic` header, if it is one and well formed.
fn basic(header: &str) -> Option<(String, String)> {
    let (scheme, token) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64::decode(token.trim())?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let id = form::decode(id).ok()?;
    let secret = form::decode(secret).ok()?;
    (!id.is_empty()).then_some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Basic base64(text)`, for the tests.
    fn basic_header(text: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::from("Basic ");
        for chunk in text.as_bytes().chunks(3) {
            let word = chunk.iter().fold(0u32, |w, &b| w << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
            for i in 0..4 {
                let c = if i <= chunk.len() { ALPHABET[(word >> (18 - 6 * i) & 63) as usize] as char } else { '=' };
                out.push(c);
            }
        }
        out
    }

    fn basic(id: &str, secret: &str) -> ClientCredentials {
        ClientCredentials::Basic { client_id: id.into(), secret: secret.into() }
    }

    #[test]
    fn accepted_credentials() {
        let header = basic_header("app:s3cret");
        let percent = basic_header("a%3Ab+c:p%C3%A9+w%3A");
        for (authorization, id, secret, want) in [
            (Some(header.as_str()), None, None, basic("app", "s3cret")),
            (Some(&*header.replacen("Basic", "bAsIc", 1)), None, None, basic("app", "s3cret")),
            (Some(&*format!("  {header}  ")), None, None, basic("app", "s3cret")),
            (Some(header.as_str()), Some("app"), None, basic("app", "s3cret")),
            (Some(percent.as_str()), None, None, basic("a:b c", "pé w:")),
            (Some(&*basic_header("app:")), None, None, basic("app", "")),
            (Some(""), Some("app"), None, ClientCredentials::Public { client_id: "app".into() }),
            (None, Some("app"), Some("pw"), ClientCredentials::Post { client_id: "app".into(), secret: "pw".into() }),
            (None, Some("app"), None, ClientCredentials::Public { client_id: "app".into() }),
        ] {
            assert_eq!(credentials(authorization, id, secret), Ok(want), "{authorization:?} {id:?} {secret:?}");
        }
    }

    #[test]
    fn refused_credentials() {
        let header = basic_header("app:s3cret");
        for (authorization, id, secret, code) in [
            (Some(&*basic_header("no colon")), None, None, ErrorCode::InvalidClient),
            (Some(&*basic_header(":secret")), None, None, ErrorCode::InvalidClient),
            (Some(&*basic_header("app:%zz")), None, None, ErrorCode::InvalidClient),
            (Some("Basic /zp4"), None, None, ErrorCode::InvalidClient), // b"\xff:x", not UTF-8
            (Some("Basic !!!!"), None, None, ErrorCode::InvalidClient),
            (Some("Basic"), None, None, ErrorCode::InvalidClient),
            (Some("Bearer abc"), Some("app"), None, ErrorCode::InvalidClient),
            (Some(header.as_str()), Some("app"), Some("s3cret"), ErrorCode::InvalidRequest),
            (Some(header.as_str()), None, Some("s3cret"), ErrorCode::InvalidRequest),
            (Some(header.as_str()), Some("other"), None, ErrorCode::InvalidRequest),
            (None, None, Some("pw"), ErrorCode::InvalidRequest),
            (None, None, None, ErrorCode::InvalidClient),
        ] {
            let err = credentials(authorization, id, secret).unwrap_err();
            assert_eq!(err.code, code, "{authorization:?} {id:?} {secret:?}: {err}");
        }
        assert_eq!(credentials(None, None, None).unwrap_err().status(), 401);
    }

    #[test]
    fn method_must_be_the_registered_one() {
        let client = |method| Client {
            client_id: "app".into(),
            redirect_uris: vec!["https://app.example/cb".into()],
            client_name: None,
            token_endpoint_auth_method: method,
            grant_types: vec!["authorization_code".into()],
            response_types: vec!["code".into()],
            client_uri: None,
            logo_uri: None,
            contacts: vec![],
            policy_uri: None,
            tos_uri: None,
            scope: None,
            client_id_issued_at: 0,
            from_metadata_document: false,
        };
        let post = ClientCredentials::Post { client_id: "app".into(), secret: "pw".into() };
        let public = ClientCredentials::Public { client_id: "app".into() };
        let all = [basic("app", "pw"), post, public];
        for method in [AuthMethod::ClientSecretBasic, AuthMethod::ClientSecretPost, AuthMethod::None] {
            for presented in &all {
                let result = check_auth_method(&client(method), presented);
                if presented.method() == method {
                    assert_eq!(result, Ok(()));
                } else {
                    let err = result.unwrap_err();
                    assert_eq!((err.status(), err.code), (401, ErrorCode::InvalidClient), "{method:?} {presented:?}");
                    assert_eq!(err.description, "Client authentication failed");
                }
            }
        }
        assert_eq!(all[0].client_id(), "app");
        assert_eq!(all[0].secret(), Some("pw"));
        assert_eq!(all[2].secret(), None);
        assert!(!format!("{:?}", all[0]).contains("pw"));
    }
}
