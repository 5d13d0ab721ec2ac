//! Why an MCP client call failed. Pure.

use std::fmt;

use crate::mcp::RpcError;

/// Why a call to a remote MCP server failed. Its text is meant for the
/// caller (it names no secret).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientError {
    /// The URL may not be connected to (scheme, credentials, private address).
    Refused(String),
    /// No server with this id.
    UnknownServer(String),
    /// The request did not get through (network, timeout).
    Transport(String),
    /// The server answered with an HTTP error.
    Http {
        /// The status.
        status: u16,
        /// What the body said, cut short.
        message: String,
    },
    /// 401 with a Bearer challenge: the server wants an OAuth login (or a
    /// new token).
    Unauthorized {
        /// The protected resource metadata the challenge names.
        resource_metadata: Option<String>,
        /// The scope the challenge names.
        scope: Option<String>,
    },
    /// 403 with a Bearer challenge saying `insufficient_scope`: the token
    /// does not carry the scope the request needs.
    InsufficientScope {
        /// The protected resource metadata the challenge names.
        resource_metadata: Option<String>,
        /// The scope the challenge says the request needs.
        scope: Option<String>,
    },
    /// The server needs the person to log in: the server is
    /// `authenticating` until the authorization server calls back.
    LoginRequired {
        /// Where the person logs in.
        auth_url: String,
    },
    /// The OAuth login or token exchange failed.
    OAuth(String),
    /// 404 for the session: the server forgot it (the client initializes again).
    SessionGone,
    /// The reply passed a limit.
    TooLarge(String),
    /// The reply was not what MCP says.
    Protocol(String),
    /// The server answered the request with a JSON-RPC error.
    Rpc(RpcError),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Refused(why) => write!(f, "refused: {why}"),
            ClientError::UnknownServer(id) => write!(f, "no MCP server with id {id:?}"),
            ClientError::Transport(why) => write!(f, "the MCP server could not be reached: {why}"),
            ClientError::Http { status, message } if message.is_empty() => {
                write!(f, "the MCP server answered HTTP {status}")
            }
            ClientError::Http { status, message } => write!(f, "the MCP server answered HTTP {status}: {message}"),
            ClientError::Unauthorized { resource_metadata, .. } => {
                f.write_str("the MCP server requires an OAuth login (which needs the feature `oauth`)")?;
                match resource_metadata {
                    Some(url) => write!(f, " (resource metadata: {url})"),
                    None => Ok(()),
                }
            }
            ClientError::InsufficientScope { scope, .. } => match scope {
                Some(scope) => write!(f, "the MCP server wants a token with the scope {scope:?}"),
                None => f.write_str("the MCP server wants a token with more scope"),
            },
            ClientError::LoginRequired { auth_url } => {
                write!(f, "the MCP server requires an OAuth login: open {auth_url}")
            }
            ClientError::OAuth(why) => write!(f, "the OAuth login to the MCP server failed: {why}"),
            ClientError::SessionGone => f.write_str("the MCP server ended the session"),
            ClientError::TooLarge(why) => write!(f, "the MCP server's reply is too large: {why}"),
            ClientError::Protocol(why) => write!(f, "the MCP server's reply is not valid MCP: {why}"),
            ClientError::Rpc(error) => write!(f, "the MCP server answered error {}: {}", error.code, error.message),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<ClientError> for crate::Error {
    fn from(error: ClientError) -> Self {
        crate::Error::Message(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_happened() {
        let auth = ClientError::Unauthorized {
            resource_metadata: Some("https://a.example/.well-known/x".into()),
            scope: None,
        };
        assert!(
            auth.to_string().contains("OAuth")
                && auth.to_string().ends_with("(resource metadata: https://a.example/.well-known/x)")
        );
        assert_eq!(
            ClientError::Http { status: 500, message: String::new() }.to_string(),
            "the MCP server answered HTTP 500"
        );
        let rpc = ClientError::Rpc(RpcError { code: -32602, message: "bad".into(), data: None });
        assert_eq!(rpc.to_string(), "the MCP server answered error -32602: bad");
    }
}
