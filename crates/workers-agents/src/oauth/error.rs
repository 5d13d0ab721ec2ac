//! OAuth error codes (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2,
//! RFC 8707), their HTTP status and their JSON body. Pure.

use std::fmt;

/// An OAuth `error` code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// A parameter is missing, repeated, malformed or not allowed.
    InvalidRequest,
    /// Client authentication failed (401).
    InvalidClient,
    /// The code or refresh token is invalid, expired, used, or not this client's.
    InvalidGrant,
    /// The client may not use this grant or response type.
    UnauthorizedClient,
    /// The grant type is not supported.
    UnsupportedGrantType,
    /// The response type is not supported.
    UnsupportedResponseType,
    /// The scope is invalid.
    InvalidScope,
    /// The `resource` is invalid or not this server's (RFC 8707).
    InvalidTarget,
    /// The registration metadata is invalid (RFC 7591).
    InvalidClientMetadata,
    /// A redirect URI in a registration is invalid (RFC 7591).
    InvalidRedirectUri,
    /// The access token is missing, unknown, expired or for another resource (RFC 6750; 401).
    InvalidToken,
    /// The token lacks a scope the request needs (RFC 6750; 403).
    InsufficientScope,
    /// The user or the server refused the authorization.
    AccessDenied,
    /// The server failed.
    ServerError,
    /// The server is overloaded; try again later (503 / 429).
    TemporarilyUnavailable,
}

impl ErrorCode {
    /// The code as it goes on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::InvalidTarget => "invalid_target",
            ErrorCode::InvalidClientMetadata => "invalid_client_metadata",
            ErrorCode::InvalidRedirectUri => "invalid_redirect_uri",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }

    /// The HTTP status a token, registration or resource endpoint answers it with.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::InvalidClient | ErrorCode::InvalidToken => 401,
            ErrorCode::InsufficientScope | ErrorCode::AccessDenied => 403,
            ErrorCode::ServerError => 500,
            ErrorCode::TemporarilyUnavailable => 503,
            _ => 400,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An OAuth error: its code and a description for the developer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OAuthError {
    /// The `error` code.
    pub code: ErrorCode,
    /// The `error_description`.
    pub description: String,
}

impl OAuthError {
    /// An error with this code and description.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        OAuthError { code, description: description.into() }
    }

    /// The HTTP status it is answered with.
    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The JSON body: `{"error": …, "error_description": …}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({ "error": self.code.as_str(), "error_description": self.description }).to_string()
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.description)
    }
}

impl std::error::Error for OAuthError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_statuses_and_body() {
        assert_eq!(serde_json::to_value(ErrorCode::InvalidClientMetadata).unwrap(), "invalid_client_metadata");
        let e = OAuthError::new(ErrorCode::InvalidClient, "Client authentication failed");
        assert_eq!(e.status(), 401);
        assert_eq!(e.to_json(), r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#);
        assert_eq!(ErrorCode::InvalidGrant.status(), 400);
        assert_eq!(ErrorCode::InsufficientScope.status(), 403);
        assert_eq!(ErrorCode::InvalidTarget.as_str(), "invalid_target");
    }
}
