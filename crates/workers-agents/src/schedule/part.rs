//! Scheduling as a part: the schedules table, an alarm re-armed at every
//! wake, and due schedules run when it fires.

use std::rc::Rc;

use super::runner::{rearm, run_due, ArmedAlarm};
use super::tasks::Tasks;
use crate::host::parts::Part;
use crate::storage::schema::{Migrations, Schema};
use crate::storage::sql::Sql;
use crate::{Agent, Context, Result};

/// Schedules and queued tasks, found by due time; rowid keeps insertion order.
const MIGRATIONS: Migrations = Migrations {
    key: "schema.schedule",
    steps: &["CREATE TABLE IF NOT EXISTS cf_agents_schedules (
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
    CREATE INDEX IF NOT EXISTS cf_agents_schedules_due ON cf_agents_schedules (status, due_ms)"],
    legacy: |version| usize::from(version >= 2),
};

/// The agent's task handlers and what this wake armed the alarm for.
pub(crate) struct SchedulePart<A: Agent> {
    pub(crate) tasks: Tasks<A>,
    pub(crate) armed: ArmedAlarm,
}

impl<A: Agent> Part<A> for SchedulePart<A> {
    fn new() -> Self {
        #[cfg(feature = "mcp")]
        let tasks = crate::mcp::client::with_reconnect_task(A::tasks());
        #[cfg(not(feature = "mcp"))]
        let tasks = A::tasks();
        SchedulePart { tasks, armed: ArmedAlarm::default() }
    }

    fn migrate(&self, schema: &Schema, sql: &Sql) -> Result<()> {
        schema.ensure(sql, &MIGRATIONS)
    }

    /// Whatever happened before this wake, pending schedules get an alarm.
    async fn start(&self, ctx: &Rc<Context<A>>) -> Result<()> {
        rearm(ctx).await
    }

    async fn alarm(&self, ctx: &Rc<Context<A>>) -> Result<()> {
        // The runtime cleared the alarm that is firing now.
        self.armed.forget();
        if let Err(e) = run_due(ctx).await {
            ctx.agent().on_error(ctx, None, &e).await;
            // Never leave pending schedules without an alarm.
            rearm(ctx).await?;
        }
        Ok(())
    }
}
