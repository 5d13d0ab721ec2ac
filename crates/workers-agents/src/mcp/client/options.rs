//! What a client agent asks for and is told about a server: the transport,
//! the status it gets back, which URLs it may reach, and how much of a list
//! it keeps. Pure.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::Url;

use super::error::ClientError;
use super::servers::{refused_server_url, ConnectionState};

/// Most bytes of one stored list (tools, resources or prompts as JSON): a
/// row must fit the runtime's SQLite, and the connect frame stays small.
pub const MAX_STORED_LIST_BYTES: usize = 512 * 1024;

/// How the agent speaks to a server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum McpTransport {
    /// Streamable HTTP (the legacy SSE fallback of the SDK is not there yet).
    #[default]
    Auto,
    /// Streamable HTTP (MCP 2025-03-26 and later).
    StreamableHttp,
    /// The legacy HTTP+SSE transport (MCP 2024-11-05): not supported yet.
    Sse,
}

impl McpTransport {
    /// The word stored and shown (`auto`, `streamable-http`, `sse`).
    pub fn as_str(self) -> &'static str {
        match self {
            McpTransport::Auto => "auto",
            McpTransport::StreamableHttp => "streamable-http",
            McpTransport::Sse => "sse",
        }
    }

    /// The transport a stored word names (unknown: `auto`).
    pub fn parse(word: &str) -> Self {
        match word {
            "streamable-http" => McpTransport::StreamableHttp,
            "sse" => McpTransport::Sse,
            _ => McpTransport::Auto,
        }
    }
}

/// A server as [`McpClient`](super::McpClient) reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpServerStatus {
    /// Its id (the name made safe: [`normalize_server_id`](super::servers::normalize_server_id)).
    pub id: String,
    /// The name the agent gave it.
    pub name: String,
    /// Its URL.
    pub url: String,
    /// The transport asked for.
    pub transport: McpTransport,
    /// Where the connection is.
    pub state: ConnectionState,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// Where the person logs in, while the server is
    /// [`ConnectionState::Authenticating`] (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_url: Option<String>,
}

/// How [`McpClient::add_server_with`](super::McpClient::add_server_with)
/// connects to a server.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct McpServerOptions {
    /// The transport.
    pub transport: McpTransport,
    /// The origin the person's browser reaches this worker at
    /// (`https://agents.example.com`): the OAuth redirect URI is this origin
    /// and [`callback_path`](Self::callback_path). Needed only by servers
    /// that ask for a login; without it such a server fails, saying so.
    pub callback_host: Option<String>,
    /// The callback's path; default `/agents/{agent}/{name}/callback` (the
    /// instance's own route, which the framework serves). Another path
    /// must be routed to the instance by the worker.
    pub callback_path: Option<String>,
    /// The URL of the agent's client ID metadata document (an https URL the
    /// worker serves, naming the redirect URI): the `client_id` at an
    /// authorization server that says it takes such documents
    /// (`client_id_metadata_document_supported`); others get a dynamic
    /// registration.
    pub client_metadata_url: Option<String>,
    /// A client registered ahead with the authorization server: its
    /// `client_id` and, for a confidential client, its secret. Used instead
    /// of any registration.
    pub client: Option<(String, Option<String>)>,
}

/// Shows no client secret.
impl std::fmt::Debug for McpServerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServerOptions")
            .field("transport", &self.transport)
            .field("callback_host", &self.callback_host)
            .field("callback_path", &self.callback_path)
            .field("client_metadata_url", &self.client_metadata_url)
            .field("client_id", &self.client.as_ref().map(|(id, _)| id))
            .finish_non_exhaustive()
    }
}

impl McpServerOptions {
    /// The defaults: transport `auto`, no callback host.
    pub fn new() -> Self {
        Self::default()
    }

    /// The transport.
    pub fn transport(mut self, transport: McpTransport) -> Self {
        self.transport = transport;
        self
    }

    /// The origin of the OAuth callback ([`McpServerOptions::callback_host`]).
    pub fn callback_host(mut self, origin: &str) -> Self {
        self.callback_host = Some(origin.to_owned());
        self
    }

    /// The path of the OAuth callback ([`McpServerOptions::callback_path`]).
    pub fn callback_path(mut self, path: &str) -> Self {
        self.callback_path = Some(path.to_owned());
        self
    }

    /// The client ID metadata document's URL
    /// ([`McpServerOptions::client_metadata_url`]).
    pub fn client_metadata_url(mut self, url: &str) -> Self {
        self.client_metadata_url = Some(url.to_owned());
        self
    }

    /// A pre-registered client ([`McpServerOptions::client`]).
    pub fn client(mut self, client_id: &str, client_secret: Option<&str>) -> Self {
        self.client = Some((client_id.to_owned(), client_secret.map(str::to_owned)));
        self
    }
}

/// Whether the agent may connect to `url`: http(s) without credentials
/// always; a loopback, private or reserved host only when `allow_private`
/// says so for that URL (the agent's
/// [`allow_mcp_server_url`](crate::Agent::allow_mcp_server_url)).
pub fn check_server_url(url: &str, allow_private: impl FnOnce(&Url) -> bool) -> Result<Url, ClientError> {
    let parsed = Url::parse(url).map_err(|e| ClientError::Refused(format!("{url:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || !parsed.username().is_empty() || parsed.password().is_some() {
        let why = refused_server_url(&parsed).unwrap_or_else(|| "not an http(s) URL".into());
        return Err(ClientError::Refused(why));
    }
    let private = match refused_server_url(&parsed) {
        Some(why) => Some(why),
        None if crate::net::is_loopback(&parsed) => {
            Some(format!("{} is a loopback address", parsed.host_str().unwrap_or_default()))
        }
        None => None,
    };
    match private {
        Some(why) if !allow_private(&parsed) => Err(ClientError::Refused(why)),
        _ => Ok(parsed),
    }
}

/// The JSON text of a list to store: the items in order while they fit in
/// [`MAX_STORED_LIST_BYTES`] (the rest left out).
pub fn stored_list(items: &[Value]) -> String {
    let mut text = String::from("[");
    for item in items {
        let json = item.to_string();
        if text.len() + json.len() + 2 > MAX_STORED_LIST_BYTES {
            break;
        }
        if text.len() > 1 {
            text.push(',');
        }
        text.push_str(&json);
    }
    text.push(']');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn private_urls_need_the_agents_leave() {
        let refused = |url: &str| check_server_url(url, |_| false).err().map(|e| e.to_string());
        assert_eq!(refused("https://mcp.example.com/mcp"), None);
        for bad in [
            "http://127.0.0.1:9130/mcp",
            "http://localhost/mcp",
            "http://[::1]/",
            "http://10.0.0.1/",
            "http://169.254.169.254/",
        ] {
            assert!(refused(bad).is_some_and(|e| e.starts_with("refused: ")), "{bad}");
        }
        assert!(check_server_url("http://127.0.0.1:9130/mcp", |u| u.port() == Some(9130)).is_ok());
        assert!(check_server_url("http://127.0.0.1:9131/mcp", |u| u.port() == Some(9130)).is_err());
        // Scheme and credentials are never allowed, whatever the agent says.
        assert!(check_server_url("ftp://127.0.0.1/", |_| true).is_err());
        assert!(check_server_url("http://u:p@127.0.0.1/", |_| true).is_err());
        assert!(check_server_url("not a url", |_| true).is_err());
    }

    #[test]
    fn stored_lists_are_bounded_and_valid_json() {
        let small = stored_list(&[json!({"name": "a"}), json!({"name": "b"})]);
        assert_eq!(serde_json::from_str::<Value>(&small).unwrap(), json!([{"name": "a"}, {"name": "b"}]));
        assert_eq!(stored_list(&[]), "[]");
        let big: Vec<Value> = (0..100).map(|i| json!({"name": i, "pad": "x".repeat(10_000)})).collect();
        let text = stored_list(&big);
        assert!(text.len() <= MAX_STORED_LIST_BYTES);
        let kept: Vec<Value> = serde_json::from_str(&text).unwrap();
        assert!(kept.len() < 100 && kept.len() > 40);
        assert_eq!(kept[0]["name"], 0);
    }

    #[test]
    fn options_never_show_the_client_secret() {
        let options = McpServerOptions::new().client("app", Some("s3cret"));
        let shown = format!("{options:?}");
        assert!(shown.contains("app") && !shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn transports_round_trip() {
        for t in [McpTransport::Auto, McpTransport::StreamableHttp, McpTransport::Sse] {
            assert_eq!(McpTransport::parse(t.as_str()), t);
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
    }
}
