//! An upstream token endpoint's answer, as GitHub and other OAuth 2.0
//! providers write it: JSON `{access_token, token_type, scope}` (or the same
//! as a form, what GitHub sends without `Accept: application/json`), or an
//! error `{error, error_description}` — which GitHub sends with status 200.
//! Pure.

use serde::Deserialize;

use crate::oauth::form::parse_form;

/// Longest upstream access token accepted, in bytes.
pub const MAX_UPSTREAM_TOKEN_BYTES: usize = 4096;

/// An upstream access token. Its `Debug` leaves the token out.
#[derive(Clone, PartialEq, Eq)]
pub struct UpstreamToken {
    /// The token (for `Authorization: Bearer` at the upstream API).
    pub access_token: String,
    /// Its type (`bearer`).
    pub token_type: String,
    /// The scope granted, as the provider wrote it (GitHub: comma-separated).
    pub scope: String,
}

impl std::fmt::Debug for UpstreamToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamToken").field("token_type", &self.token_type).field("scope", &self.scope).finish()
    }
}

/// Why no upstream token came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamError {
    /// The provider refused: its `error` code and description.
    Refused {
        /// The OAuth error code (`bad_verification_code`, `invalid_grant` …).
        error: String,
        /// Its `error_description`, if any.
        description: Option<String>,
    },
    /// A status other than 200, without an OAuth error body.
    Status(u16),
    /// An answer that is not a token response.
    Malformed(String),
    /// The request did not reach the provider, or its answer could not be read.
    Network(String),
}

impl std::fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UpstreamError::Refused { error, description: Some(d) } => write!(f, "the provider refused: {error} ({d})"),
            UpstreamError::Refused { error, description: None } => write!(f, "the provider refused: {error}"),
            UpstreamError::Status(status) => write!(f, "the provider answered with status {status}"),
            UpstreamError::Malformed(why) => write!(f, "the provider's answer is not a token response: {why}"),
            UpstreamError::Network(why) => write!(f, "the provider could not be reached: {why}"),
        }
    }
}

impl std::error::Error for UpstreamError {}

#[derive(Deserialize, Default)]
struct Fields {
    access_token: Option<String>,
    token_type: Option<String>,
    scope: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn from_form(body: &str) -> Option<Fields> {
    let pairs = parse_form(body.trim()).ok()?;
    let get = |name: &str| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let fields = Fields {
        access_token: get("access_token"),
        token_type: get("token_type"),
        scope: get("scope"),
        error: get("error"),
        error_description: get("error_description"),
    };
    (fields.access_token.is_some() || fields.error.is_some()).then_some(fields)
}

/// Reads a token endpoint's answer: its status and body.
pub fn parse_token_response(status: u16, body: &str) -> Result<UpstreamToken, UpstreamError> {
    let fields = match serde_json::from_str::<Fields>(body) {
        Ok(fields) => Some(fields),
        Err(_) if body.trim_start().starts_with('{') => None,
        Err(_) => from_form(body),
    };
    let Some(fields) = fields else {
        return Err(if status == 200 {
            UpstreamError::Malformed("neither JSON nor a form".into())
        } else {
            UpstreamError::Status(status)
        });
    };
    if let Some(error) = fields.error {
        return Err(UpstreamError::Refused { error, description: fields.error_description });
    }
    if status != 200 {
        return Err(UpstreamError::Status(status));
    }
    let token = fields.access_token.unwrap_or_default();
    if token.is_empty() || token.len() > MAX_UPSTREAM_TOKEN_BYTES || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(UpstreamError::Malformed("no usable access_token".into()));
    }
    let token_type = fields.token_type.unwrap_or_else(|| "bearer".into());
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(UpstreamError::Malformed(format!("token_type {token_type:?} is not bearer")));
    }
    Ok(UpstreamToken { access_token: token, token_type, scope: fields.scope.unwrap_or_default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(error: &str, description: Option<&str>) -> UpstreamError {
        UpstreamError::Refused { error: error.into(), description: description.map(str::to_owned) }
    }

    #[test]
    fn reads_tokens_as_json_or_form() {
        let json = r#"{"access_token":"gho_abc","token_type":"bearer","scope":"read:user"}"#;
        let token = parse_token_response(200, json).unwrap();
        assert_eq!((token.access_token.as_str(), token.scope.as_str()), ("gho_abc", "read:user"));
        let form = parse_token_response(200, "access_token=gho_abc&scope=read%3Auser&token_type=bearer").unwrap();
        assert_eq!(form, token);
        assert_eq!(parse_token_response(200, r#"{"access_token":"t"}"#).unwrap().token_type, "bearer");
        assert!(!format!("{token:?}").contains("gho_abc"));
    }

    #[test]
    fn reads_errors_whatever_the_status() {
        let github =
            r#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}"#;
        assert_eq!(
            parse_token_response(200, github).unwrap_err(),
            refused("bad_verification_code", Some("The code passed is incorrect or expired."))
        );
        assert_eq!(
            parse_token_response(400, r#"{"error":"invalid_grant"}"#).unwrap_err(),
            refused("invalid_grant", None)
        );
        assert_eq!(parse_token_response(200, "error=access_denied").unwrap_err(), refused("access_denied", None));
        assert_eq!(parse_token_response(502, "<html>bad gateway</html>").unwrap_err(), UpstreamError::Status(502));
        assert_eq!(parse_token_response(500, r#"{"access_token":"t"}"#).unwrap_err(), UpstreamError::Status(500));
    }

    #[test]
    fn refuses_what_is_no_token() {
        for body in [
            "",
            "<html></html>",
            "{not json",
            "{}",
            r#"{"access_token":""}"#,
            r#"{"access_token":"a b"}"#,
            r#"{"access_token":42}"#,
            r#"{"access_token":"t","token_type":"mac"}"#,
        ] {
            assert!(matches!(parse_token_response(200, body), Err(UpstreamError::Malformed(_))), "{body:?}");
        }
        let long = format!(r#"{{"access_token":"{}"}}"#, "a".repeat(MAX_UPSTREAM_TOKEN_BYTES + 1));
        assert!(matches!(parse_token_response(200, &long), Err(UpstreamError::Malformed(_))));
        assert_eq!(refused("e", Some("d")).to_string(), "the provider refused: e (d)");
    }
}
