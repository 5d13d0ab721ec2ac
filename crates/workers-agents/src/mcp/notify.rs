//! Server-initiated messages outside any request: they travel on the
//! session's standalone stream (GET on Streamable HTTP, the legacy SSE stream).

use serde_json::{json, Value};

use super::session::Session;
use crate::{Agent, Context};

impl<A: Agent> Context<A> {
    /// Sends a notification to this MCP session's client on its standalone
    /// stream. `false`: this agent is no MCP server, or the client has no
    /// stream open (the message is stored and redelivered when it resumes the
    /// stream with `Last-Event-ID`).
    pub fn mcp_notify(&self, method: &str, params: Value) -> bool {
        let Some(runtime) = self.parts.mcp.runtime.as_ref() else { return false };
        let Some(stream) = runtime.standalone.borrow().clone() else { return false };
        stream.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
    }

    /// Tells the client that the resource at `uri` changed
    /// (`notifications/resources/updated`), if it subscribed to it.
    pub fn mcp_resource_updated(&self, uri: &str) -> bool {
        match Session::is_subscribed(self.sql(), uri) {
            Ok(true) => self.mcp_notify("notifications/resources/updated", json!({ "uri": uri })),
            _ => false,
        }
    }
}
