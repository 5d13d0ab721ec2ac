//! What a client agent tells its front end about its MCP servers (the
//! official client's `cf_agent_mcp_servers` frame, which `useAgent`'s
//! `onMcpUpdate` shows), how a server's id is made safe, how its tools are
//! named for the chat loop, and which hosts it may not reach. Pure.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use worker::Url;

/// Longest server id ([`normalize_server_id`]).
pub const MAX_SERVER_ID_CHARS: usize = 64;

/// Where a connection to an MCP server is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionState {
    /// Waiting for the person to log in (`auth_url` says where).
    Authenticating,
    /// Opening the transport.
    Connecting,
    /// The transport is open.
    Connected,
    /// Listing the server's tools, resources and prompts.
    Discovering,
    /// Usable.
    Ready,
    /// It failed (`error` says why).
    Failed,
}

/// One server, as the front end sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerInfo {
    /// The name the agent gave it.
    pub name: String,
    /// Its URL.
    pub server_url: String,
    /// Where the person logs in, while [`ConnectionState::Authenticating`].
    pub auth_url: Option<String>,
    /// Where the connection is.
    pub state: ConnectionState,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// The server's `instructions`.
    pub instructions: Option<String>,
    /// The server's capabilities, once initialized.
    pub capabilities: Option<Value>,
}

/// The `mcp` field of `cf_agent_mcp_servers`: every server by id, and their
/// tools, prompts and resources, each with its `serverId`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServersState {
    /// Servers by id.
    pub servers: BTreeMap<String, ServerInfo>,
    /// Tools (the server's JSON with `serverId` added).
    pub tools: Vec<Value>,
    /// Prompts, the same way.
    pub prompts: Vec<Value>,
    /// Resources, the same way.
    pub resources: Vec<Value>,
}

impl ServersState {
    /// Adds a server's listed items (tools, prompts or resources), each
    /// marked with its `serverId`; items that are not objects are left out.
    pub fn add_items(list: &mut Vec<Value>, server_id: &str, items: &[Value]) {
        for item in items {
            if let Value::Object(fields) = item {
                let mut fields = fields.clone();
                fields.insert("serverId".into(), Value::String(server_id.to_owned()));
                list.push(Value::Object(fields));
            }
        }
    }

    /// The frame.
    pub fn frame(&self) -> String {
        serde_json::json!({ "type": "cf_agent_mcp_servers", "mcp": self }).to_string()
    }
}

/// A server id safe as a key, in storage and in tool names: lowercase; every
/// run of other characters than `a-z 0-9 _ -` one `-`; no leading or
/// trailing `-`/`_`; `id-` in front unless it starts with a letter; at most
/// [`MAX_SERVER_ID_CHARS`] characters.
pub fn normalize_server_id(input: &str) -> String {
    let mut id = String::with_capacity(input.len());
    for c in input.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
            if !(c == '-' && id.ends_with('-')) {
                id.push(c);
            }
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    let mut id = id.trim_matches(['-', '_']).to_owned();
    if !id.starts_with(|c: char| c.is_ascii_lowercase()) {
        id = format!("id-{id}").trim_end_matches('-').to_owned();
    }
    if id.chars().count() > MAX_SERVER_ID_CHARS {
        id = id.chars().take(MAX_SERVER_ID_CHARS).collect::<String>().trim_end_matches('-').to_owned();
    }
    id
}

/// The name a server's tool gets in the chat loop: `tool_{id}_{tool}`, the
/// id without its dashes (model tool names are `[A-Za-z0-9_]`), as the TS
/// SDK names them. Two servers' names can meet (`a_b` + `c`, `a` + `b_c`):
/// whoever builds the tool list checks for that.
pub fn chat_tool_name(server_id: &str, tool: &str) -> String {
    format!("tool_{}_{tool}", server_id.replace('-', ""))
}

/// Why a server URL may not be connected to, if it may not: not http(s),
/// credentials in it, or a host in a private, shared, link-local,
/// multicast, reserved or unspecified range, in any IPv4 or IPv6 form (a
/// cloud metadata address among them). Loopback is allowed, for
/// local development. Names are checked as written: a name that resolves to
/// a private address is the runtime's to refuse.
pub fn refused_server_url(url: &Url) -> Option<String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Some(format!("{url} is not http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some("a server URL may not carry credentials".into());
    }
    let host = url.host_str().unwrap_or_default();
    if crate::net::is_loopback(url) {
        return None;
    }
    let blocked = match url.host() {
        Some(worker::url::Host::Domain(name)) => {
            name.trim_end_matches('.').eq_ignore_ascii_case("metadata.google.internal")
        }
        Some(_) => crate::net::reserved_ip(url),
        None => true,
    };
    blocked.then(|| format!("{host} is a private or reserved address"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_ids_are_made_safe() {
        assert_eq!(normalize_server_id("my-supplied-id"), "my-supplied-id");
        assert_eq!(normalize_server_id("GitHub MCP!"), "github-mcp");
        assert_eq!(normalize_server_id("42-things"), "id-42-things");
        assert_eq!(normalize_server_id("__a--b__"), "a-b");
        assert_eq!(normalize_server_id(""), "id");
        assert_eq!(normalize_server_id("ÄÖ"), "id");
        let long = normalize_server_id(&"ab-".repeat(40));
        assert!(long.len() <= MAX_SERVER_ID_CHARS && !long.ends_with('-'), "{long}");
        assert_eq!(chat_tool_name("github-mcp", "create_issue"), "tool_githubmcp_create_issue");
    }

    #[test]
    fn private_hosts_are_refused_and_loopback_is_not() {
        let refused = |u: &str| refused_server_url(&Url::parse(u).unwrap());
        for ok in
            ["https://mcp.example.com/mcp", "http://127.0.0.1:8790/mcp", "http://localhost/mcp", "http://[::1]/mcp"]
        {
            assert_eq!(refused(ok), None, "{ok}");
        }
        for bad in [
            "http://10.0.0.1/mcp",
            "http://172.16.5.4/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://0.0.0.0/",
            "http://[::]/",
            "http://[fe80::1]/",
            "http://[febf::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://metadata.google.internal/",
            "http://metadata.google.internal./",
            "http://100.64.0.1/",
            "http://255.255.255.255/",
            "http://224.0.0.1/",
            "http://198.18.0.1/",
            "http://192.0.0.8/",
            "http://167772161/",
            "http://[::a00:1]/",
            "http://[::ffff:0:a00:1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2002:a9fe:a9fe::]/",
            "http://[fec0::1]/",
            "http://[ff02::1]/",
            "ftp://mcp.example.com/",
            "https://user:pw@mcp.example.com/",
        ] {
            assert!(refused(bad).is_some(), "{bad}");
        }
        assert_eq!(refused("http://172.32.0.1/"), None);
        assert_eq!(refused("http://100.128.0.1/"), None);
        assert_eq!(refused("http://[2606:4700::1111]/"), None);
    }

    #[test]
    fn the_frame_has_the_official_shape() {
        let mut state = ServersState::default();
        state.servers.insert(
            "notes".into(),
            ServerInfo {
                name: "notes".into(),
                server_url: "https://m.example/mcp".into(),
                auth_url: Some("https://m.example/authorize?x=1".into()),
                state: ConnectionState::Authenticating,
                error: None,
                instructions: None,
                capabilities: None,
            },
        );
        ServersState::add_items(&mut state.tools, "notes", &[json!({"name": "add", "inputSchema": {}}), json!(3)]);
        let frame: Value = serde_json::from_str(&state.frame()).unwrap();
        assert_eq!(frame["type"], "cf_agent_mcp_servers");
        assert_eq!(frame["mcp"]["servers"]["notes"]["state"], "authenticating");
        assert_eq!(frame["mcp"]["servers"]["notes"]["error"], Value::Null);
        assert_eq!(frame["mcp"]["tools"], json!([{"name": "add", "inputSchema": {}, "serverId": "notes"}]));
        assert_eq!(frame["mcp"]["prompts"], json!([]));
        assert_eq!(
            serde_json::to_value(ServersState::default()).unwrap(),
            json!({"servers": {}, "tools": [], "prompts": [], "resources": []})
        );
    }
}
