//! AI as a part: the conversations table, created the first time an agent
//! uses [`Context::conversations`](crate::Context::conversations) (an agent
//! that never does has none), and at each wake the replies an earlier wake
//! left streaming marked incomplete.

use std::rc::Rc;

use super::store::{Conversations, LiveReplies};
use crate::host::parts::Part;
use crate::storage::schema::Migrations;
use crate::{Agent, Context, Result};

/// Conversations with AI models; `seq` keeps their order.
pub(super) const MIGRATIONS: Migrations = Migrations {
    key: "schema.ai",
    steps: &["CREATE TABLE IF NOT EXISTS cf_agents_ai_messages (
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
    CREATE INDEX IF NOT EXISTS cf_agents_ai_messages_status ON cf_agents_ai_messages (status)"],
    legacy: |version| usize::from(version >= 4),
};

/// The live feeds of replies streaming in this wake.
#[derive(Default)]
pub(crate) struct AiPart {
    pub(crate) live: LiveReplies,
}

impl<A: Agent> Part<A> for AiPart {
    fn new() -> Self {
        AiPart::default()
    }

    /// Replies that were streaming when the last wake ended never will finish.
    async fn start(&self, ctx: &Rc<Context<A>>) -> Result<()> {
        if !ctx.schema().has(&MIGRATIONS) {
            return Ok(());
        }
        Conversations::new(ctx.sql(), ctx.schema(), &self.live).interrupt_stale()
    }
}
