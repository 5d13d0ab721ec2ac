//! The framework's own tables, created and migrated once per wake.
//!
//! Every framework table is prefixed `cf_agents_`; `cf_agents_meta` records
//! the schema version so later releases can migrate existing agents.

use crate::storage::sql::Sql;
use crate::Result;

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: i64 = 5;

const MIGRATIONS: [&str; 5] = [
    // v1: state stored as ordered chunks of its JSON text.
    "CREATE TABLE IF NOT EXISTS cf_agents_state (
        chunk INTEGER PRIMARY KEY,
        data TEXT NOT NULL
    )",
    // v2: schedules and queued tasks, found by due time; rowid keeps insertion order.
    "CREATE TABLE IF NOT EXISTS cf_agents_schedules (
        id TEXT PRIMARY KEY,
        callback TEXT NOT NULL,
        payload TEXT NOT NULL,
        kind TEXT NOT NULL,
        due_ms INTEGER NOT NULL,
        anchor_ms INTEGER NOT NULL,
        cron TEXT,
        zone TEXT,
        interval_ms INTEGER,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        base_delay_ms INTEGER NOT NULL,
        max_delay_ms INTEGER NOT NULL,
        runs INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        last_error TEXT,
        created_ms INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS cf_agents_schedules_due ON cf_agents_schedules (status, due_ms)",
    // v3: the MCP session an MCP agent instance serves (at most one row), the
    // events of its SSE streams (for resumption) and its resource subscriptions.
    "CREATE TABLE IF NOT EXISTS cf_agents_mcp_session (
        id TEXT PRIMARY KEY,
        transport TEXT NOT NULL,
        status TEXT NOT NULL,
        protocol_version TEXT,
        client TEXT,
        log_level INTEGER NOT NULL,
        created_ms INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS cf_agents_mcp_events (
        stream TEXT NOT NULL,
        seq INTEGER NOT NULL,
        data TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        PRIMARY KEY (stream, seq)
    );
    CREATE TABLE IF NOT EXISTS cf_agents_mcp_subscriptions (uri TEXT PRIMARY KEY)",
    // v4: conversations with AI models; `seq` keeps their order.
    "CREATE TABLE IF NOT EXISTS cf_agents_ai_messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        conversation TEXT NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        created_ms INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS cf_agents_ai_messages_conversation ON cf_agents_ai_messages (conversation, seq);
    CREATE INDEX IF NOT EXISTS cf_agents_ai_messages_status ON cf_agents_ai_messages (status)",
    // v5: MCP events are pruned by age whenever a stream opens; without an
    // index on their time that delete read the whole table each time.
    "CREATE INDEX IF NOT EXISTS cf_agents_mcp_events_created ON cf_agents_mcp_events (created_ms)",
];

#[derive(serde::Deserialize)]
struct Version {
    value: i64,
}

/// Brings the framework's tables up to [`SCHEMA_VERSION`].
pub(crate) fn migrate(sql: &Sql) -> Result<()> {
    sql.execute_batch("CREATE TABLE IF NOT EXISTS cf_agents_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")?;
    let current = sql
        .query_one::<Version>("SELECT value FROM cf_agents_meta WHERE key = ?", crate::params!["schema_version"])?
        .map_or(0, |v| v.value);
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        if (index as i64) < current {
            continue;
        }
        sql.execute_batch(migration)?;
    }
    if current != SCHEMA_VERSION {
        sql.execute(
            "INSERT OR REPLACE INTO cf_agents_meta (key, value) VALUES (?, ?)",
            crate::params!["schema_version", SCHEMA_VERSION],
        )?;
    }
    Ok(())
}
