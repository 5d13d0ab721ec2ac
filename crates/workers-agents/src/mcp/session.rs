//! The MCP session an agent instance serves, kept in its SQLite so it
//! outlives hibernation; plus the in-memory parts (open streams, requests in
//! flight) that live only while the instance is awake.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use serde::Deserialize;
use serde_json::Value;

use super::pending::PendingRequests;
use super::server::McpServer;
use super::streams::EventStream;
use crate::storage::sql::Sql;
use crate::{Agent, Result};

/// Where a session stands.
pub(crate) const OPEN: &str = "open";
pub(crate) const ACTIVE: &str = "active";
pub(crate) const ENDED: &str = "ended";

/// One row of `cf_agents_mcp_session`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) status: String,
    pub(crate) protocol_version: Option<String>,
    pub(crate) log_level: i64,
    /// The client's `capabilities` as JSON text.
    pub(crate) client: Option<String>,
}

impl Session {
    pub(crate) fn load(sql: &Sql) -> Result<Option<Session>> {
        sql.query_one(
            "SELECT id, status, protocol_version, log_level, client FROM cf_agents_mcp_session LIMIT 1",
            crate::params![],
        )
    }

    /// The session, when it exists and is neither ended nor waiting for `initialize`.
    pub(crate) fn load_active(sql: &Sql, id: &str) -> Result<Option<Session>> {
        Ok(Self::load(sql)?.filter(|s| s.id == id && s.status == ACTIVE))
    }

    /// Records a new session (legacy SSE: when its stream opens).
    pub(crate) fn open(sql: &Sql, id: &str, transport: &str) -> Result<()> {
        sql.execute("DELETE FROM cf_agents_mcp_session", crate::params![])?;
        sql.execute(
            "INSERT INTO cf_agents_mcp_session (id, transport, status, log_level, created_ms) VALUES (?, ?, ?, 0, ?)",
            crate::params![id, transport, OPEN, worker::Date::now().as_millis() as i64],
        )?;
        Ok(())
    }

    /// Marks the session initialized with a protocol version and the client's capabilities.
    pub(crate) fn activate(sql: &Sql, version: &str, client: &Value) -> Result<()> {
        sql.execute(
            "UPDATE cf_agents_mcp_session SET status = ?, protocol_version = ?, client = ?",
            crate::params![ACTIVE, version, client.to_string()],
        )?;
        Ok(())
    }

    pub(crate) fn set_log_level(sql: &Sql, rank: usize) -> Result<()> {
        sql.execute("UPDATE cf_agents_mcp_session SET log_level = ?", crate::params![rank as i64])?;
        Ok(())
    }

    pub(crate) fn end(sql: &Sql) -> Result<()> {
        sql.execute("UPDATE cf_agents_mcp_session SET status = ?", crate::params![ENDED])?;
        sql.execute("DELETE FROM cf_agents_mcp_events", crate::params![])?;
        sql.execute("DELETE FROM cf_agents_mcp_subscriptions", crate::params![])?;
        Ok(())
    }

    pub(crate) fn subscribe(sql: &Sql, uri: &str) -> Result<()> {
        sql.execute("INSERT OR IGNORE INTO cf_agents_mcp_subscriptions (uri) VALUES (?)", crate::params![uri])?;
        Ok(())
    }

    pub(crate) fn unsubscribe(sql: &Sql, uri: &str) -> Result<()> {
        sql.execute("DELETE FROM cf_agents_mcp_subscriptions WHERE uri = ?", crate::params![uri])?;
        Ok(())
    }

    pub(crate) fn is_subscribed(sql: &Sql, uri: &str) -> Result<bool> {
        #[derive(Deserialize)]
        struct Row {}
        Ok(sql
            .query_one::<Row>("SELECT 1 AS one FROM cf_agents_mcp_subscriptions WHERE uri = ?", crate::params![uri])?
            .is_some())
    }

    pub(crate) fn client_capabilities(&self) -> Value {
        self.client.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or(Value::Null)
    }
}

/// An MCP agent's server and what its awake instance holds in memory.
pub(crate) struct McpRuntime<A: Agent> {
    pub(crate) server: McpServer<A>,
    /// The session's standalone stream (legacy SSE, or GET on Streamable HTTP).
    pub(crate) standalone: RefCell<Option<Rc<EventStream>>>,
    /// Streams of requests still running, by stream id (for resumption).
    pub(crate) streams: RefCell<HashMap<String, Rc<EventStream>>>,
    /// Requests in flight by JSON id, with their cancellation flags.
    pub(crate) in_flight: RefCell<HashMap<String, Rc<Cell<bool>>>>,
    /// Requests this server sent to the client, awaiting answers.
    pub(crate) pending: Rc<PendingRequests>,
}

impl<A: Agent> McpRuntime<A> {
    pub(crate) fn new(server: McpServer<A>) -> Self {
        McpRuntime {
            server,
            standalone: RefCell::new(None),
            streams: RefCell::new(HashMap::new()),
            in_flight: RefCell::new(HashMap::new()),
            pending: Rc::default(),
        }
    }

    /// The standalone stream, when a client is connected to it.
    pub(crate) fn connected_standalone(&self) -> Option<Rc<EventStream>> {
        self.standalone.borrow().as_ref().filter(|s| s.is_connected()).cloned()
    }
}
