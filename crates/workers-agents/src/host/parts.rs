//! Capabilities as parts. Each capability of agents (the client protocol,
//! schedules, MCP, AI) implements [`Part`]: its tables, and the runtime
//! events it takes part in. [`Host`](super::Host) runs the parts in the order
//! of the list at the end of this file, before the agent's own hooks.
//! Adding a capability: its folder, and one line in that list.

use std::rc::Rc;

use worker::{Request, Response};

use crate::storage::schema::Schema;
use crate::storage::sql::Sql;
use crate::{Agent, Connection, Context, Result};

/// What a part did with a request.
pub(crate) enum Fetch {
    /// The part answered it.
    Answered(worker::Result<Response>),
    /// Not the part's: the next part (and at last `on_request`) gets it.
    Pass(Request),
}

/// One capability of agents. Every method has a harmless default.
#[allow(async_fn_in_trait, unused_variables)]
pub(crate) trait Part<A: Agent>: Sized {
    /// Builds the part for one wake of an instance.
    fn new() -> Self;

    /// Whether a new instance named `name` must not write anything until a
    /// request the part serves asks for it (see [`Context::awaken`]): an MCP
    /// session instance stores nothing until its session is opened.
    fn dormant(&self, name: &str) -> bool {
        false
    }

    /// Whether the part serves `req` on a dormant instance, without waking it.
    fn serves_dormant(&self, req: &Request) -> bool {
        false
    }

    /// Creates or migrates the part's tables when the instance wakes. A part
    /// may instead create them on first use (see [`Schema::ensure`]).
    fn migrate(&self, schema: &Schema, sql: &Sql) -> Result<()> {
        Ok(())
    }

    /// Runs once per wake, before the agent's `on_start` and any event.
    async fn start(&self, ctx: &Rc<Context<A>>) -> Result<()> {
        Ok(())
    }

    /// Answers a request that is the part's, or hands it back. WebSocket
    /// upgrades never reach this.
    async fn fetch(&self, ctx: &Rc<Context<A>>, req: Request) -> Fetch {
        Fetch::Pass(req)
    }

    /// When the part wants the alarm to fire (the earliest time any part
    /// wants is armed, with the due schedules; see `schedule::runner::rearm`).
    fn wake_at(&self, ctx: &Context<A>) -> Result<Option<i64>> {
        Ok(None)
    }

    /// Runs when the Durable Object's alarm fires.
    async fn alarm(&self, ctx: &Rc<Context<A>>) -> Result<()> {
        Ok(())
    }

    /// Handles a text frame that is the part's (`None`), or hands it back.
    async fn frame(&self, ctx: &Rc<Context<A>>, connection: &Connection, text: String) -> Option<String> {
        Some(text)
    }
}

/// Declares the parts (a field each, with an optional `#[cfg]`) and the
/// functions that run every part's hook in the declared order.
macro_rules! parts {
    ($($(#[$attr:meta])* $field:ident: $part:ty,)*) => {
        /// The parts of one agent instance, in the order they run.
        pub(crate) struct Parts<A: Agent> {
            $($(#[$attr])* pub(crate) $field: $part,)*
        }

        impl<A: Agent> Parts<A> {
            pub(crate) fn new() -> Self {
                Parts { $($(#[$attr])* $field: <$part as Part<A>>::new(),)* }
            }

            pub(crate) fn dormant(&self, name: &str) -> bool {
                let mut dormant = false;
                $($(#[$attr])* { dormant |= <$part as Part<A>>::dormant(&self.$field, name); })*
                dormant
            }

            pub(crate) fn serves_dormant(&self, req: &Request) -> bool {
                let mut serves = false;
                $($(#[$attr])* { serves |= <$part as Part<A>>::serves_dormant(&self.$field, req); })*
                serves
            }

            pub(crate) fn migrate(&self, schema: &Schema, sql: &Sql) -> Result<()> {
                $($(#[$attr])* <$part as Part<A>>::migrate(&self.$field, schema, sql)?;)*
                Ok(())
            }

            /// Every part's start; a failure is reported and the others still run.
            pub(crate) async fn start(&self, ctx: &Rc<Context<A>>) {
                $($(#[$attr])* if let Err(e) = <$part as Part<A>>::start(&self.$field, ctx).await {
                    ctx.agent().on_error(ctx, None, &e).await;
                })*
            }

            /// The earliest time a part wants the alarm.
            pub(crate) fn wake_at(&self, ctx: &Context<A>) -> Result<Option<i64>> {
                let mut earliest: Option<i64> = None;
                $($(#[$attr])* {
                    if let Some(at) = <$part as Part<A>>::wake_at(&self.$field, ctx)? {
                        earliest = Some(earliest.map_or(at, |e| e.min(at)));
                    }
                })*
                Ok(earliest)
            }

            pub(crate) async fn fetch(&self, ctx: &Rc<Context<A>>, req: Request) -> Fetch {
                $($(#[$attr])* let req = match <$part as Part<A>>::fetch(&self.$field, ctx, req).await {
                    Fetch::Pass(req) => req,
                    answered => return answered,
                };)*
                Fetch::Pass(req)
            }

            /// Every part's alarm; a failure is reported and the others still run.
            pub(crate) async fn alarm(&self, ctx: &Rc<Context<A>>) {
                $($(#[$attr])* if let Err(e) = <$part as Part<A>>::alarm(&self.$field, ctx).await {
                    ctx.agent().on_error(ctx, None, &e).await;
                })*
            }

            pub(crate) async fn frame(&self, ctx: &Rc<Context<A>>, connection: &Connection, text: String) -> Option<String> {
                $($(#[$attr])* let text = <$part as Part<A>>::frame(&self.$field, ctx, connection, text).await?;)*
                Some(text)
            }
        }
    };
}

parts! {
    protocol: crate::protocol::ProtocolPart<A>,
    schedule: crate::schedule::SchedulePart<A>,
    #[cfg(feature = "mcp")]
    mcp: crate::mcp::McpPart<A>,
    #[cfg(feature = "ai")]
    ai: crate::ai::AiPart,
    #[cfg(feature = "chat")]
    chat: crate::chat::ChatPart<A>,
}
