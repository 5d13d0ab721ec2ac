//! The servers a client agent connects to, in its SQLite
//! (`cf_agents_mcp_servers`, created on first use): what reconnects them
//! after hibernation or eviction, and what its front end is shown at once.

use serde::Deserialize;
use serde_json::Value;

use super::link::Via;
use super::retry::retry_delay_ms;
use super::servers::{ConnectionState, ServerInfo, ServersState};
use super::transport::Endpoint;
use crate::storage::schema::{Migrations, Schema};
use crate::storage::sql::Sql;
use crate::{params, Result};

/// One row per server; its lists as JSON text (each bounded, see
/// [`super::api::MAX_STORED_LIST_BYTES`]).
pub(super) const MIGRATIONS: Migrations = Migrations {
    key: "schema.mcp_client",
    steps: &[
        "CREATE TABLE IF NOT EXISTS cf_agents_mcp_servers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        url TEXT NOT NULL,
        transport TEXT NOT NULL,
        session_id TEXT,
        protocol_version TEXT,
        state TEXT NOT NULL,
        error TEXT,
        instructions TEXT,
        capabilities TEXT,
        tools TEXT NOT NULL DEFAULT '[]',
        resources TEXT NOT NULL DEFAULT '[]',
        prompts TEXT NOT NULL DEFAULT '[]',
        created_ms INTEGER NOT NULL
    )",
        // The transport the session was opened with (`auto` resolved).
        "ALTER TABLE cf_agents_mcp_servers ADD COLUMN via TEXT",
        // Failures in a row, and when the next automatic try is due.
        "ALTER TABLE cf_agents_mcp_servers ADD COLUMN failures INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE cf_agents_mcp_servers ADD COLUMN retry_at_ms INTEGER",
    ],
    legacy: |_| 0,
};

/// A stored server.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ServerRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) transport: String,
    pub(crate) session_id: Option<String>,
    pub(crate) protocol_version: Option<String>,
    pub(crate) state: String,
    pub(crate) error: Option<String>,
    pub(crate) instructions: Option<String>,
    pub(crate) capabilities: Option<String>,
    pub(crate) tools: String,
    pub(crate) resources: String,
    pub(crate) prompts: String,
    pub(crate) via: Option<String>,
}

impl ServerRow {
    pub(crate) fn state(&self) -> ConnectionState {
        match self.state.as_str() {
            "ready" => ConnectionState::Ready,
            "authenticating" => ConnectionState::Authenticating,
            "connecting" => ConnectionState::Connecting,
            "connected" => ConnectionState::Connected,
            "discovering" => ConnectionState::Discovering,
            _ => ConnectionState::Failed,
        }
    }

    /// The transport the session was opened with, if it was.
    pub(super) fn via(&self) -> Option<Via> {
        match self.via.as_deref() {
            Some("sse") => Some(Via::Sse),
            Some("streamable-http") => Some(Via::StreamableHttp),
            _ => None,
        }
    }

    pub(crate) fn endpoint(&self) -> Endpoint {
        Endpoint {
            url: self.url.clone(),
            session_id: self.session_id.clone(),
            protocol_version: self.protocol_version.clone(),
            bearer: None,
        }
    }
}

/// The word stored for a state.
pub(crate) fn state_name(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::Authenticating => "authenticating",
        ConnectionState::Connecting => "connecting",
        ConnectionState::Connected => "connected",
        ConnectionState::Discovering => "discovering",
        ConnectionState::Ready => "ready",
        ConnectionState::Failed => "failed",
    }
}

const COLUMNS: &str = "id, name, url, transport, session_id, protocol_version, state, error, instructions, \
                       capabilities, tools, resources, prompts, via";

/// The table, through the schema of this wake.
pub(crate) struct ServerStore<'a> {
    pub(crate) sql: &'a Sql,
    pub(crate) schema: &'a Schema,
}

impl ServerStore<'_> {
    /// Whether the table exists (nothing is created by reading).
    pub(crate) fn exists(&self) -> bool {
        self.schema.has(&MIGRATIONS)
    }

    pub(crate) fn all(&self) -> Result<Vec<ServerRow>> {
        if !self.exists() {
            return Ok(Vec::new());
        }
        self.sql.query(&format!("SELECT {COLUMNS} FROM cf_agents_mcp_servers ORDER BY created_ms, id"), params![])
    }

    pub(crate) fn get(&self, id: &str) -> Result<Option<ServerRow>> {
        if !self.exists() {
            return Ok(None);
        }
        self.sql.query_one(&format!("SELECT {COLUMNS} FROM cf_agents_mcp_servers WHERE id = ?"), params![id])
    }

    /// Adds a server (connecting), or puts an existing row back to
    /// connecting, with the transport asked for now and no failures.
    pub(crate) fn insert(&self, id: &str, name: &str, url: &str, transport: &str, now_ms: i64) -> Result<()> {
        self.schema.ensure(self.sql, &MIGRATIONS)?;
        self.sql.execute(
            "INSERT INTO cf_agents_mcp_servers (id, name, url, transport, state, created_ms)
             VALUES (?, ?, ?, ?, 'connecting', ?)
             ON CONFLICT (id) DO UPDATE SET state = 'connecting', error = NULL, transport = excluded.transport,
               failures = 0, retry_at_ms = NULL",
            params![id, name, url, transport, now_ms],
        )?;
        Ok(())
    }

    /// Records the session the server opened.
    pub(crate) fn set_session(
        &self,
        id: &str,
        endpoint: &Endpoint,
        via: Via,
        instructions: Option<&str>,
        capabilities: &Value,
    ) -> Result<()> {
        self.sql.execute(
            "UPDATE cf_agents_mcp_servers SET session_id = ?, protocol_version = ?, via = ?, instructions = ?,
             capabilities = ? WHERE id = ?",
            params![
                endpoint.session_id.clone(),
                endpoint.protocol_version.clone(),
                via.as_str(),
                instructions.map(str::to_owned),
                capabilities.to_string(),
                id
            ],
        )?;
        Ok(())
    }

    /// Sets the state; `ready` ends a run of failures.
    pub(crate) fn set_state(&self, id: &str, state: ConnectionState, error: Option<&str>) -> Result<()> {
        self.sql.execute(
            "UPDATE cf_agents_mcp_servers SET state = ?, error = ? WHERE id = ?",
            params![state_name(state), error.map(str::to_owned), id],
        )?;
        if state == ConnectionState::Ready {
            self.sql.execute(
                "UPDATE cf_agents_mcp_servers SET failures = 0, retry_at_ms = NULL WHERE id = ?",
                params![id],
            )?;
        }
        Ok(())
    }

    /// Marks the server failed, one failure more in a row. The wait before
    /// the next automatic try, unless one is pending or none is left
    /// ([`retry_delay_ms`]); its time is stored.
    pub(crate) fn set_failed(&self, id: &str, error: &str, now_ms: i64) -> Result<Option<i64>> {
        self.sql.execute(
            "UPDATE cf_agents_mcp_servers SET state = 'failed', error = ?, failures = failures + 1 WHERE id = ?",
            params![error, id],
        )?;
        let Some(row) = self.sql.query_one::<RetryRow>(
            "SELECT failures, retry_at_ms FROM cf_agents_mcp_servers WHERE id = ?",
            params![id],
        )?
        else {
            return Ok(None);
        };
        if row.retry_at_ms.is_some_and(|at| at > now_ms) {
            return Ok(None);
        }
        let Some(delay) = retry_delay_ms(u32::try_from(row.failures).unwrap_or(u32::MAX)) else {
            return Ok(None);
        };
        self.sql
            .execute("UPDATE cf_agents_mcp_servers SET retry_at_ms = ? WHERE id = ?", params![now_ms + delay, id])?;
        Ok(Some(delay))
    }

    /// The automatic try is being made: none is pending.
    pub(crate) fn clear_retry(&self, id: &str) -> Result<()> {
        self.sql.execute("UPDATE cf_agents_mcp_servers SET retry_at_ms = NULL WHERE id = ?", params![id])?;
        Ok(())
    }

    /// Stores one list (`tools`, `resources` or `prompts`) as JSON text.
    pub(crate) fn set_list(&self, id: &str, column: ListColumn, json: &str) -> Result<()> {
        let query = format!("UPDATE cf_agents_mcp_servers SET {} = ? WHERE id = ?", column.name());
        self.sql.execute(&query, params![json, id])?;
        Ok(())
    }

    pub(crate) fn delete(&self, id: &str) -> Result<bool> {
        if !self.exists() {
            return Ok(false);
        }
        Ok(self.sql.execute("DELETE FROM cf_agents_mcp_servers WHERE id = ?", params![id])? > 0)
    }

    /// What the `cf_agent_mcp_servers` frame carries.
    pub(crate) fn servers_state(&self) -> Result<ServersState> {
        let mut state = ServersState::default();
        #[cfg(feature = "oauth")]
        let auth_urls = super::oauth_store::OAuthStore { sql: self.sql, schema: self.schema }.auth_urls()?;
        for row in self.all()? {
            #[cfg(feature = "oauth")]
            let auth_url = match row.state() {
                ConnectionState::Authenticating => {
                    auth_urls.iter().find(|(id, _)| *id == row.id).map(|(_, u)| u.clone())
                }
                _ => None,
            };
            #[cfg(not(feature = "oauth"))]
            let auth_url = None;
            let list = |text: &str| serde_json::from_str::<Vec<Value>>(text).unwrap_or_default();
            ServersState::add_items(&mut state.tools, &row.id, &list(&row.tools));
            ServersState::add_items(&mut state.prompts, &row.id, &list(&row.prompts));
            ServersState::add_items(&mut state.resources, &row.id, &list(&row.resources));
            let info = ServerInfo {
                name: row.name.clone(),
                server_url: row.url.clone(),
                auth_url,
                state: row.state(),
                error: row.error.clone(),
                instructions: row.instructions.clone(),
                capabilities: row.capabilities.as_deref().and_then(|c| serde_json::from_str(c).ok()),
            };
            state.servers.insert(row.id, info);
        }
        Ok(state)
    }
}

#[derive(Deserialize)]
struct RetryRow {
    failures: i64,
    retry_at_ms: Option<i64>,
}

/// A stored list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListColumn {
    Tools,
    Resources,
    Prompts,
}

impl ListColumn {
    fn name(self) -> &'static str {
        match self {
            ListColumn::Tools => "tools",
            ListColumn::Resources => "resources",
            ListColumn::Prompts => "prompts",
        }
    }
}
