//! The OAuth side of a client agent's servers, in its SQLite
//! (`cf_agents_mcp_oauth`, one row per server that asked for a login,
//! created on first use): where it logs in (discovered once), the client it
//! registered, its tokens, and the login waiting for its callback. Secrets
//! are sealed ([`super::sealed`]); the authorization URL is not a secret
//! (it is shown to the front end).

use serde::{Deserialize, Serialize};

use crate::storage::schema::{Migrations, Schema};
use crate::storage::sql::Sql;
use crate::{params, Result};

pub(super) const MIGRATIONS: Migrations = Migrations {
    key: "schema.mcp_oauth",
    steps: &["CREATE TABLE IF NOT EXISTS cf_agents_mcp_oauth (
        server_id TEXT PRIMARY KEY,
        callback_url TEXT NOT NULL,
        endpoints TEXT,
        client TEXT,
        tokens TEXT,
        auth_url TEXT,
        state_hash TEXT,
        verifier TEXT,
        state_expires_ms INTEGER
    )"],
    legacy: |_| 0,
};

/// Where a server's logins go, as discovered (JSON in `endpoints`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Endpoints {
    /// The `resource` sent in every request (RFC 8707).
    pub(crate) resource: String,
    pub(crate) issuer: String,
    /// Whether the callback must carry `iss` (RFC 9207).
    pub(crate) iss_required: bool,
    pub(crate) authorization_endpoint: String,
    pub(crate) token_endpoint: String,
    pub(crate) scope: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OAuthRow {
    pub(crate) server_id: String,
    pub(crate) callback_url: String,
    pub(crate) endpoints: Option<String>,
    pub(crate) client: Option<String>,
    pub(crate) tokens: Option<String>,
    pub(crate) auth_url: Option<String>,
    pub(crate) state_hash: Option<String>,
    pub(crate) verifier: Option<String>,
    pub(crate) state_expires_ms: Option<i64>,
}

impl OAuthRow {
    pub(crate) fn endpoints(&self) -> Option<Endpoints> {
        serde_json::from_str(self.endpoints.as_deref()?).ok()
    }
}

const COLUMNS: &str =
    "server_id, callback_url, endpoints, client, tokens, auth_url, state_hash, verifier, state_expires_ms";

pub(crate) struct OAuthStore<'a> {
    pub(crate) sql: &'a Sql,
    pub(crate) schema: &'a Schema,
}

impl OAuthStore<'_> {
    pub(crate) fn exists(&self) -> bool {
        self.schema.has(&MIGRATIONS)
    }

    pub(crate) fn get(&self, server_id: &str) -> Result<Option<OAuthRow>> {
        if !self.exists() {
            return Ok(None);
        }
        self.sql
            .query_one(&format!("SELECT {COLUMNS} FROM cf_agents_mcp_oauth WHERE server_id = ?"), params![server_id])
    }

    /// The authorization URLs shown, by server.
    pub(crate) fn auth_urls(&self) -> Result<Vec<(String, String)>> {
        #[derive(Deserialize)]
        struct Shown {
            server_id: String,
            auth_url: String,
        }
        if !self.exists() {
            return Ok(Vec::new());
        }
        let rows: Vec<Shown> = self
            .sql
            .query("SELECT server_id, auth_url FROM cf_agents_mcp_oauth WHERE auth_url IS NOT NULL", params![])?;
        Ok(rows.into_iter().map(|r| (r.server_id, r.auth_url)).collect())
    }

    /// Whether any server's callback is served at `path`.
    pub(crate) fn callback_paths(&self) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        struct Url {
            callback_url: String,
        }
        if !self.exists() {
            return Ok(Vec::new());
        }
        let rows: Vec<Url> = self.sql.query("SELECT DISTINCT callback_url FROM cf_agents_mcp_oauth", params![])?;
        Ok(rows.into_iter().map(|r| r.callback_url).collect())
    }

    /// The row of a server that starts a login (kept if it exists; the
    /// callback URL it registered with stays).
    pub(crate) fn ensure(&self, server_id: &str, callback_url: &str) -> Result<()> {
        self.schema.ensure(self.sql, &MIGRATIONS)?;
        self.sql.execute(
            "INSERT INTO cf_agents_mcp_oauth (server_id, callback_url) VALUES (?, ?) ON CONFLICT (server_id) DO NOTHING",
            params![server_id, callback_url],
        )?;
        Ok(())
    }

    pub(crate) fn set_endpoints(&self, server_id: &str, endpoints: &Endpoints) -> Result<()> {
        let json = serde_json::to_string(endpoints).map_err(crate::Error::msg)?;
        self.sql
            .execute("UPDATE cf_agents_mcp_oauth SET endpoints = ? WHERE server_id = ?", params![json, server_id])?;
        Ok(())
    }

    pub(crate) fn set_client(&self, server_id: &str, sealed: Option<&str>) -> Result<()> {
        self.sql.execute(
            "UPDATE cf_agents_mcp_oauth SET client = ? WHERE server_id = ?",
            params![sealed.map(str::to_owned), server_id],
        )?;
        Ok(())
    }

    /// Stores sealed tokens (or none); a login waiting is over.
    pub(crate) fn set_tokens(&self, server_id: &str, sealed: Option<&str>) -> Result<()> {
        self.sql.execute(
            "UPDATE cf_agents_mcp_oauth SET tokens = ?, auth_url = NULL, state_hash = NULL, verifier = NULL,
             state_expires_ms = NULL WHERE server_id = ?",
            params![sealed.map(str::to_owned), server_id],
        )?;
        Ok(())
    }

    /// A login waiting for its callback (the tokens had are dropped).
    pub(crate) fn set_pending(
        &self,
        server_id: &str,
        auth_url: &str,
        state_hash: &str,
        sealed_verifier: &str,
        expires_ms: i64,
    ) -> Result<()> {
        self.sql.execute(
            "UPDATE cf_agents_mcp_oauth SET tokens = NULL, auth_url = ?, state_hash = ?, verifier = ?,
             state_expires_ms = ? WHERE server_id = ?",
            params![auth_url, state_hash, sealed_verifier, expires_ms, server_id],
        )?;
        Ok(())
    }

    /// Uses up the pending login whose state hashes to `state_hash`: whether
    /// it was there (a second callback with the same state finds nothing).
    pub(crate) fn take_pending(&self, server_id: &str, state_hash: &str) -> Result<bool> {
        let changed = self.sql.execute(
            "UPDATE cf_agents_mcp_oauth SET state_hash = NULL, state_expires_ms = NULL
             WHERE server_id = ? AND state_hash = ?",
            params![server_id, state_hash],
        )?;
        Ok(changed > 0)
    }

    pub(crate) fn delete(&self, server_id: &str) -> Result<()> {
        if self.exists() {
            self.sql.execute("DELETE FROM cf_agents_mcp_oauth WHERE server_id = ?", params![server_id])?;
        }
        Ok(())
    }
}
