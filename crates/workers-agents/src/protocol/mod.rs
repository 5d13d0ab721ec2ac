//! The client protocol of the official `agents` clients as a part: state
//! sync (`cf_agent_state` frames, the state table) and RPC (`rpc` frames
//! from clients, internal calls from [`AgentStub`](crate::AgentStub)).

pub(crate) mod dispatch;
pub(crate) mod frames;
mod internal;

use std::rc::Rc;

use worker::Request;

use crate::host::parts::{Fetch, Part};
use crate::rpc::callables::Callables;
use crate::storage::schema::{Migrations, Schema};
use crate::storage::sql::Sql;
use crate::{Agent, Connection, Context, Result};

pub(crate) use internal::{INTERNAL_HEADER_PREFIX, INTERNAL_RPC_HEADER, INTERNAL_RPC_PATH};

/// The state table: the state's JSON text as ordered chunk rows.
const MIGRATIONS: Migrations = Migrations {
    key: "schema.state",
    steps: &["CREATE TABLE IF NOT EXISTS cf_agents_state (
        chunk INTEGER PRIMARY KEY,
        data TEXT NOT NULL
    )"],
    legacy: |version| usize::from(version >= 1),
};

/// State sync and RPC for one instance: the agent's callables.
pub(crate) struct ProtocolPart<A: Agent> {
    pub(crate) callables: Callables<A>,
    /// Calls running, by connection id.
    pub(crate) in_flight: std::cell::RefCell<std::collections::HashMap<String, usize>>,
}

impl<A: Agent> Part<A> for ProtocolPart<A> {
    fn new() -> Self {
        ProtocolPart { callables: A::callables(), in_flight: Default::default() }
    }

    fn migrate(&self, schema: &Schema, sql: &Sql) -> Result<()> {
        schema.ensure(sql, &MIGRATIONS)
    }

    async fn fetch(&self, ctx: &Rc<Context<A>>, req: Request) -> Fetch {
        match internal::is_internal_call(&req) {
            Ok(true) => Fetch::Answered(internal::answer(ctx, req).await),
            Ok(false) => Fetch::Pass(req),
            Err(e) => Fetch::Answered(Err(e)),
        }
    }

    async fn frame(&self, ctx: &Rc<Context<A>>, connection: &Connection, text: String) -> Option<String> {
        dispatch::frame(ctx, connection, text).await
    }
}
