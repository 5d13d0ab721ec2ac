//! MCP as a part: the session tables and the requests the MCP endpoint
//! forwards, for agents whose [`Agent::mcp_server`] is set. Other agents
//! get neither.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use worker::{Request, Response};

use super::endpoint::is_session_instance;
use super::session::{now_ms, McpRuntime, Session};
use super::transport::{serve, MCP_HEADER};
use crate::host::panic::catch_panic;
use crate::host::parts::{Fetch, Part};
use crate::storage::schema::{Migrations, Schema};
use crate::storage::sql::Sql;
use crate::{Agent, Context, Result};

/// The session an instance serves (at most one row), the events of its SSE
/// streams (for resumption) and its resource subscriptions; then an index
/// for the prune by age that runs whenever a stream opens; then the time of
/// the session's last use; then the user an authenticated session belongs to.
const MIGRATIONS: Migrations = Migrations {
    key: "schema.mcp",
    steps: &[
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
        "CREATE INDEX IF NOT EXISTS cf_agents_mcp_events_created ON cf_agents_mcp_events (created_ms)",
        // When the session was last used, for its expiry.
        "ALTER TABLE cf_agents_mcp_session ADD COLUMN last_seen_ms INTEGER",
        // The user an authenticated session belongs to: nobody else may use it.
        "ALTER TABLE cf_agents_mcp_session ADD COLUMN user_id TEXT",
        // Their latest Auth (props included), for the alarm's work.
        "ALTER TABLE cf_agents_mcp_session ADD COLUMN auth TEXT",
    ],
    legacy: |version| match version {
        5.. => 2,
        3..=4 => 1,
        _ => 0,
    },
};

/// How the part reaches [`serve`]: a function pointer that only agents with
/// an MCP server have. `A::mcp_server()` is inlined to `None` for the others,
/// so no code refers to their `serve::<A>` and the optimizer drops it (a call
/// guarded by the stored `runtime` would keep the whole transport for every
/// agent of the worker).
type Serve<A> = for<'a> fn(
    &'a Rc<Context<A>>,
    &'a McpRuntime<A>,
    Request,
) -> Pin<Box<dyn Future<Output = worker::Result<Response>> + 'a>>;

fn serve_boxed<'a, A: Agent>(
    ctx: &'a Rc<Context<A>>,
    runtime: &'a McpRuntime<A>,
    req: Request,
) -> Pin<Box<dyn Future<Output = worker::Result<Response>> + 'a>> {
    Box::pin(serve(ctx, runtime, req))
}

/// The MCP server of an instance, when the agent is one.
pub(crate) struct McpPart<A: Agent> {
    pub(crate) runtime: Option<McpRuntime<A>>,
    serve: Option<Serve<A>>,
    /// The sessions this wake holds with remote servers (`ctx.mcp_client()`).
    pub(crate) client: super::client::Links,
}

impl<A: Agent> Part<A> for McpPart<A> {
    fn new() -> Self {
        match A::mcp_server() {
            Some(server) => McpPart {
                runtime: Some(McpRuntime::new(server)),
                serve: Some(serve_boxed::<A>),
                client: Default::default(),
            },
            None => McpPart { runtime: None, serve: None, client: Default::default() },
        }
    }

    /// A session instance stays dormant until its session is opened: a
    /// request with an id nobody was issued finds nothing and writes nothing.
    fn dormant(&self, name: &str) -> bool {
        self.runtime.is_some() && is_session_instance(name)
    }

    fn serves_dormant(&self, req: &Request) -> bool {
        req.headers().has(MCP_HEADER).unwrap_or(false)
    }

    fn migrate(&self, schema: &Schema, sql: &Sql) -> Result<()> {
        match self.runtime {
            Some(_) => schema.ensure(sql, &MIGRATIONS),
            None => Ok(()),
        }
    }

    /// A woken session instance speaks for its user again (its tasks run
    /// with no request to bring the `Auth`).
    async fn start(&self, ctx: &Rc<Context<A>>) -> Result<()> {
        if self.runtime.is_some() && !ctx.is_dormant() {
            if let Some(session) = Session::load(ctx.sql())? {
                ctx.set_auth(session.stored_auth());
            }
        }
        Ok(())
    }

    /// An open session wants the alarm when it would expire.
    fn wake_at(&self, ctx: &Context<A>) -> Result<Option<i64>> {
        match (&self.runtime, ctx.is_dormant()) {
            (Some(runtime), false) => runtime.expires_at(ctx.sql()),
            _ => Ok(None),
        }
    }

    /// Ends an expired session: its streams close and its storage is deleted.
    async fn alarm(&self, ctx: &Rc<Context<A>>) -> Result<()> {
        let Some(runtime) = self.runtime.as_ref().filter(|_| !ctx.is_dormant()) else {
            return Ok(());
        };
        runtime.seen_stored.set(None);
        match runtime.expires_at(ctx.sql())? {
            Some(at) if at <= now_ms() => {
                worker::console_log!("[{}/{}] MCP session expired (idle)", ctx.agent_class(), ctx.name());
                runtime.close_streams();
                ctx.erase().await
            }
            _ => Ok(()),
        }
    }

    async fn fetch(&self, ctx: &Rc<Context<A>>, req: Request) -> Fetch {
        // The OAuth callback of a server this agent logs in to, as a client.
        #[cfg(feature = "oauth")]
        if req.method() == worker::Method::Get {
            if let Ok(url) = req.url() {
                let client = ctx.mcp_client();
                if client.is_callback(&url) {
                    return Fetch::Answered(match catch_panic(client.finish_login(&url)).await {
                        Ok(response) => response,
                        Err(panic) => Response::error(ctx.internal_error("MCP OAuth callback panicked", &panic), 500),
                    });
                }
            }
        }
        match req.headers().has(MCP_HEADER) {
            Ok(true) => {}
            Ok(false) => return Fetch::Pass(req),
            Err(e) => return Fetch::Answered(Err(e)),
        }
        let (Some(runtime), Some(serve)) = (self.runtime.as_ref(), self.serve) else {
            return Fetch::Answered(Response::error(format!("Agent {} is not an MCP server", ctx.agent_class()), 404));
        };
        Fetch::Answered(match catch_panic(serve(ctx, runtime, req)).await {
            Ok(response) => response,
            Err(panic) => Response::error(ctx.internal_error("MCP request panicked", &panic), 500),
        })
    }
}
