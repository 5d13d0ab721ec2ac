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
    /// The user of an authenticated session (see [`Context::auth`](crate::Context::auth)).
    pub(crate) user_id: Option<String>,
    /// Its latest [`Auth`](crate::Auth) as JSON, for work no request brings
    /// one to (the alarm's tasks).
    pub(crate) auth: Option<String>,
}

impl Session {
    pub(crate) fn load(sql: &Sql) -> Result<Option<Session>> {
        sql.query_one(
            "SELECT id, status, protocol_version, log_level, client, user_id, auth FROM cf_agents_mcp_session LIMIT 1",
            crate::params![],
        )
    }

    /// The session, when it exists and is neither ended nor waiting for `initialize`.
    pub(crate) fn load_active(sql: &Sql, id: &str) -> Result<Option<Session>> {
        Ok(Self::load(sql)?.filter(|s| s.id == id && s.status == ACTIVE))
    }

    /// Records a new session (legacy SSE: when its stream opens), for `auth`.
    pub(crate) fn open(sql: &Sql, id: &str, transport: &str, auth: Option<&crate::Auth>) -> Result<()> {
        sql.execute("DELETE FROM cf_agents_mcp_session", crate::params![])?;
        let now = now_ms();
        let text = |value: Option<String>| value.map_or(crate::SqlValue::Null, crate::SqlValue::from);
        sql.execute(
            "INSERT INTO cf_agents_mcp_session (id, transport, status, log_level, created_ms, last_seen_ms, user_id, auth)
             VALUES (?, ?, ?, 0, ?, ?, ?, ?)",
            vec![
                id.into(),
                transport.into(),
                OPEN.into(),
                now.into(),
                now.into(),
                text(auth.map(|a| a.user_id.clone())),
                text(auth.and_then(|a| serde_json::to_string(a).ok())),
            ],
        )?;
        Ok(())
    }

    /// The session's stored [`Auth`](crate::Auth), if any.
    pub(crate) fn stored_auth(&self) -> Option<crate::Auth> {
        self.auth.as_deref().and_then(|json| serde_json::from_str(json).ok())
    }

    /// Keeps `auth` as the session's latest (a refreshed token's props),
    /// unless it is what is stored already.
    pub(crate) fn keep_auth(&self, sql: &Sql, auth: &crate::Auth) -> Result<()> {
        let json = serde_json::to_string(auth).map_err(|e| crate::Error::json("MCP session auth", e))?;
        if self.auth.as_deref() != Some(json.as_str()) {
            sql.execute("UPDATE cf_agents_mcp_session SET auth = ?", crate::params![json])?;
        }
        Ok(())
    }

    /// Records that the session was used at `now`.
    pub(crate) fn touch(sql: &Sql, now: i64) -> Result<()> {
        sql.execute("UPDATE cf_agents_mcp_session SET last_seen_ms = ?", crate::params![now])?;
        Ok(())
    }

    /// When the session was last used (its start, for a session stored
    /// before uses were recorded), unless it has ended.
    pub(crate) fn last_seen(sql: &Sql) -> Result<Option<i64>> {
        #[derive(Deserialize)]
        struct Row {
            seen: i64,
        }
        let row: Option<Row> = sql.query_one(
            "SELECT COALESCE(last_seen_ms, created_ms) AS seen FROM cf_agents_mcp_session WHERE status != ?",
            crate::params![ENDED],
        )?;
        Ok(row.map(|r| r.seen))
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

pub(crate) fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
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
    /// When the session's last use was stored (uses are stored a few times
    /// per idle timeout, not on every request).
    pub(crate) seen_stored: Cell<Option<i64>>,
}

impl<A: Agent> McpRuntime<A> {
    pub(crate) fn new(server: McpServer<A>) -> Self {
        McpRuntime {
            server,
            standalone: RefCell::new(None),
            streams: RefCell::new(HashMap::new()),
            in_flight: RefCell::new(HashMap::new()),
            pending: Rc::default(),
            seen_stored: Cell::new(None),
        }
    }

    /// Records a use of the session, when the stored one is older than a
    /// hundredth of the idle timeout.
    pub(crate) fn touch(&self, sql: &Sql) -> Result<()> {
        let now = now_ms();
        let stored = match self.seen_stored.get() {
            Some(at) => at,
            None => Session::last_seen(sql)?.unwrap_or(now),
        };
        if now - stored >= (self.server.idle_timeout_ms() / 100).max(1) {
            Session::touch(sql, now)?;
            self.seen_stored.set(Some(now));
        } else {
            self.seen_stored.set(Some(stored));
        }
        Ok(())
    }

    /// When the session expires, if one is open.
    pub(crate) fn expires_at(&self, sql: &Sql) -> Result<Option<i64>> {
        let seen = match self.seen_stored.get() {
            Some(at) => Some(at),
            None => Session::last_seen(sql)?,
        };
        Ok(seen.map(|at| at.saturating_add(self.server.idle_timeout_ms())))
    }

    /// Cancels the session's requests in flight and finishes every stream
    /// of the session (it ended or expired).
    pub(crate) fn close_streams(&self) {
        // The work the session started is told to stop.
        for flag in self.in_flight.borrow().values() {
            flag.set(true);
        }
        if let Some(stream) = self.standalone.borrow_mut().take() {
            stream.finish();
        }
        for (_, stream) in self.streams.borrow_mut().drain() {
            stream.finish();
        }
        self.seen_stored.set(None);
    }

    /// The standalone stream, when a client is connected to it.
    pub(crate) fn connected_standalone(&self) -> Option<Rc<EventStream>> {
        self.standalone.borrow().as_ref().filter(|s| s.is_connected()).cloned()
    }
}
