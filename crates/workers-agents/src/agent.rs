//! The trait a Rust agent implements.

use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Env, Request, Response};

#[cfg(feature = "mcp")]
use crate::mcp::McpServer;
use crate::rpc::callables::Callables;
use crate::schedule::Tasks;
use crate::state::StateSource;
use crate::{Connection, Context, Error, Result};

/// A message a client sent over its WebSocket that is not a framework frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text frame (not a state or RPC frame).
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
}

#[doc(hidden)]
pub(crate) mod private {
    /// Implemented only by [`export_agent!`](crate::export_agent), which also
    /// generates the Durable Object class the runtime instantiates.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not exported as an agent",
        note = "add `workers_agents::export_agent!({Self});` beside `impl Agent for {Self}`"
    )]
    pub trait Exported {
        /// The Durable Object class name (`class_name` in wrangler.toml).
        const CLASS_NAME: &'static str;
        /// What [`get_agent_by_name`](crate::get_agent_by_name) returns: the
        /// typed stub `#[agent]` generates, else [`AgentStub`](crate::AgentStub).
        type Stub: From<crate::AgentStub>;
    }
}

/// A stateful agent: one Durable Object instance per name, with typed state
/// synced to its clients, its own SQLite database and hibernating WebSockets.
///
/// Only [`Agent::new`] and [`Agent::initial_state`] are required; every hook
/// has a harmless default. Hooks receive `&self` (keep mutable fields in
/// `Cell`/`RefCell`) and the agent's [`Context`].
///
/// Write it with [`#[agent]`](crate::agent), which registers the methods
/// marked `#[callable]`, `#[task]`, `#[tool]`, … and exports the agent:
///
/// ```no_run
/// use serde::{Deserialize, Serialize};
/// use workers_agents::prelude::*;
///
/// #[derive(Clone, Serialize, Deserialize, Schema)]
/// pub struct CounterState { count: i64 }
///
/// pub struct Counter;
///
/// #[agent]
/// impl Agent for Counter {
///     type State = CounterState;
///     fn new(_env: &worker::Env) -> Self { Counter }
///     fn initial_state(&self) -> CounterState { CounterState { count: 0 } }
///
///     #[callable]
///     async fn increment(&self, ctx: &Context<Self>, by: i64) -> Result<i64> {
///         ctx.update_state(|s| s.count += by)?;
///         Ok(ctx.state()?.count)
///     }
/// }
/// # fn main() {}
/// ```
///
/// Without the macro, the same agent registers its methods by hand
/// ([`Callables`], [`Tasks`], `McpServer`) and is exported with
/// [`export_agent!`](crate::export_agent).
#[allow(async_fn_in_trait, unused_variables)]
pub trait Agent: private::Exported + Sized + 'static {
    /// The agent's state, synced to every client.
    type State: Serialize + DeserializeOwned + Clone + 'static;

    /// Upper bound on an incoming WebSocket frame, in bytes. A larger frame
    /// is refused before it is parsed (or copied out of the runtime, when
    /// its length alone shows it is too large), with the error frame that
    /// fits its kind, and nothing is applied. The default is what Cloudflare
    /// delivers to a Worker: 32 MiB (a larger message closes the socket with
    /// 1009 before any code runs). Agents whose frames are small should set
    /// less: a frame's text, and what it decodes to, are held in memory.
    const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

    /// Most schedules the agent keeps (pending and failed ones, queued tasks
    /// included): 100,000. Scheduling one more is refused with an error, and
    /// nothing is stored; cancelling (or a task finishing) makes room.
    const MAX_SCHEDULES: usize = 100_000;

    /// Most bytes of task payloads the agent's schedules hold together:
    /// 256 MiB. A schedule whose payload would pass it is refused with an
    /// error, and nothing is stored.
    const MAX_SCHEDULE_PAYLOAD_BYTES: usize = 256 * 1024 * 1024;

    /// Most RPC calls one connection may have running at once; one more is
    /// answered with an error frame and not run.
    const MAX_CALLS_IN_FLIGHT: usize = 64;

    /// The version of the state's stored form, recorded beside it. Raise it
    /// when a release changes [`Agent::State`] so that states stored before
    /// need [`Agent::migrate_state`]. A state stored by a release without
    /// versions (or by an agent that never raised it) is version 1.
    const STATE_VERSION: u32 = 1;

    /// Builds the agent value; runs once per wake, before `on_start`.
    fn new(env: &Env) -> Self;

    /// The state a new instance starts with (stored on first use).
    fn initial_state(&self) -> Self::State;

    /// The methods clients may call. Nothing else is callable.
    fn callables() -> Callables<Self> {
        Callables::new()
    }

    /// The tasks `schedule` and `queue` may run. They are not client-callable.
    fn tasks() -> Tasks<Self> {
        Tasks::new()
    }

    /// The MCP server this agent is, if any (feature `mcp`). Each MCP client session gets
    /// its own instance; mount it with [`McpEndpoint`](crate::mcp::McpEndpoint).
    #[cfg(feature = "mcp")]
    fn mcp_server() -> Option<McpServer<Self>> {
        None
    }

    /// Whether this agent's MCP client ([`Context::mcp_client`]) may connect
    /// to `url`, whose host is a loopback, private or reserved address
    /// (feature `mcp`). Default: no, so a caller who picks the URL cannot
    /// make the agent reach the worker's own network; allow loopback for
    /// local development and tests. Scheme and credentials are checked
    /// before and cannot be allowed.
    #[cfg(feature = "mcp")]
    fn allow_mcp_server_url(&self, ctx: &Context<Self>, url: &worker::Url) -> bool {
        false
    }

    /// A log message one of this agent's MCP servers sent
    /// (`notifications/message`; `params` has `level`, `data` and maybe
    /// `logger`) while it answered a request of [`Context::mcp_client`]
    /// (feature `mcp`). Default: nothing.
    #[cfg(feature = "mcp")]
    async fn on_mcp_log(&self, ctx: &Context<Self>, server_id: &str, params: serde_json::Value) {}

    /// One of this agent's MCP servers asks for input
    /// (`elicitation/create`; `params` has `message` and `requestedSchema`)
    /// while it answers a request of [`Context::mcp_client`] (feature
    /// `mcp`). Answer with the result the server gets:
    /// `{"action": "accept", "content": {…}}`, `{"action": "decline"}` or
    /// `{"action": "cancel"}` (an accepted answer gets the defaults of the
    /// requested schema for the fields it leaves out); an `Err` reaches the server as an internal
    /// error. The server waits for the answer, within the request's
    /// [`REQUEST_TIMEOUT`](crate::mcp::client::REQUEST_TIMEOUT). Default:
    /// declined.
    #[cfg(feature = "mcp")]
    async fn on_mcp_elicitation(
        &self,
        ctx: &Context<Self>,
        server_id: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value> {
        Ok(serde_json::json!({ "action": "decline" }))
    }

    /// Whether this agent answers its MCP servers' `sampling/createMessage`
    /// requests ([`Agent::on_mcp_sampling`]): `true` declares the `sampling`
    /// capability when it connects (feature `mcp`). Default: `false` (such
    /// requests are refused as an unknown method).
    #[cfg(feature = "mcp")]
    fn takes_mcp_sampling() -> bool {
        false
    }

    /// One of this agent's MCP servers asks for a model's answer
    /// (`sampling/createMessage`; `params` has `messages`, `maxTokens` and
    /// maybe `systemPrompt`, `modelPreferences`…) while it answers a request
    /// of [`Context::mcp_client`], when [`Agent::takes_mcp_sampling`] says
    /// so (feature `mcp`). Answer with the result the server gets:
    /// `{"role": "assistant", "content": {"type": "text", "text": …},
    /// "model": …, "stopReason": …}`; an `Err` reaches the server as an
    /// internal error. Default: an error.
    #[cfg(feature = "mcp")]
    async fn on_mcp_sampling(
        &self,
        ctx: &Context<Self>,
        server_id: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value> {
        Err(crate::Error::msg("this agent does not answer sampling requests"))
    }

    /// Makes this agent a chat agent for the `useAgentChat` React hook
    /// (feature `chat`): `Some` serves `GET …/get-messages` and the hook's
    /// frames, and answers each turn with [`Agent::on_chat_message`].
    /// Default: `None` (those frames go to `on_message`).
    #[cfg(feature = "chat")]
    fn chat() -> Option<crate::chat::Chat> {
        None
    }

    /// The tools of a chat agent (feature `chat`): offered to the model by
    /// the default [`Agent::on_chat_message`] (and by
    /// [`ChatTurn::stream_model_with_tools`](crate::chat::ChatTurn::stream_model_with_tools)),
    /// with the step limit of a turn. Made once per turn. Default: none.
    #[cfg(feature = "chat")]
    fn chat_tools() -> crate::chat::ChatTools<Self> {
        crate::chat::ChatTools::new()
    }

    /// What the agent knows that the model should too (feature `chat`):
    /// text built from the agent's state or SQL, put in the model's context
    /// as a system message after the system prompt. Read again before every
    /// model call of a turn ([`ChatTurn::stream_model`](crate::chat::ChatTurn::stream_model)
    /// and each step of
    /// [`ChatTurn::stream_model_with_tools`](crate::chat::ChatTurn::stream_model_with_tools)),
    /// so what a tool changed is seen by the next step. `Err` ends the turn
    /// with the error. Default: nothing.
    #[cfg(feature = "chat")]
    fn chat_context(&self, ctx: &Context<Self>) -> Result<Option<String>> {
        Ok(None)
    }

    /// Answers one chat turn (feature `chat`; only for agents whose
    /// [`Agent::chat`] is `Some`). Stream through `turn`: the model's answer
    /// ([`ChatTurn::stream_model`](crate::chat::ChatTurn::stream_model)),
    /// text, or chunks of your own. An `Err` ends the turn with the error
    /// (what was streamed is stored). Default: the configured model
    /// ([`ChatModel::from_env`](crate::ai::ChatModel::from_env)) with the
    /// whole conversation.
    #[cfg(feature = "chat")]
    async fn on_chat_message(&self, ctx: &Context<Self>, turn: &crate::chat::ChatTurn) -> Result<()> {
        turn.reply_with_configured_model(ctx).await
    }

    /// Runs once per wake, before any request, message or alarm is handled.
    async fn on_start(&self, ctx: &Context<Self>) -> Result<()> {
        Ok(())
    }

    /// Makes the current state from a stored one, when the state was stored
    /// at another [`Agent::STATE_VERSION`] (`from_version`), or at this one
    /// but no longer decodes into [`Agent::State`]. It runs when the state
    /// is first read in a wake; what it returns is stored, with this
    /// version (it is not validated, and not an update: no hook runs and no
    /// client is sent it but those that connect or read it later). It must
    /// not read or set the state. Default: `stored` decoded as it is.
    ///
    /// When it fails, the error is logged and the stored state is kept as
    /// it is: reading the state fails with [`Error::StateUndecodable`],
    /// clients get a `cf_agent_state_error` frame in place of the state and
    /// cannot push one, and everything that does not read the state (other
    /// methods, SQL, schedules, `on_request`) works. [`Context::set_state`]
    /// replaces it.
    ///
    /// ```no_run
    /// # use serde::{Deserialize, Serialize};
    /// # use workers_agents::{Agent, Context};
    /// #[derive(Clone, Serialize, Deserialize)]
    /// pub struct Profile { name: String, tags: Vec<String> }
    /// # pub struct Profiles;
    /// # workers_agents::export_agent!(Profiles);
    ///
    /// impl Agent for Profiles {
    ///     type State = Profile;
    ///     /// Version 1 stored `{"title": …, "tag": …}`.
    ///     const STATE_VERSION: u32 = 2;
    /// #   fn new(_env: &worker::Env) -> Self { Profiles }
    /// #   fn initial_state(&self) -> Profile { Profile { name: String::new(), tags: Vec::new() } }
    ///
    ///     fn migrate_state(&self, _ctx: &Context<Self>, stored: serde_json::Value, from: u32) -> Result<Profile, String> {
    ///         match from {
    ///             1 => Ok(Profile {
    ///                 name: stored["title"].as_str().unwrap_or_default().to_owned(),
    ///                 tags: stored["tag"].as_str().map(str::to_owned).into_iter().collect(),
    ///             }),
    ///             _ => serde_json::from_value(stored).map_err(|e| e.to_string()),
    ///         }
    ///     }
    /// }
    /// # fn main() {}
    /// ```
    fn migrate_state(
        &self,
        ctx: &Context<Self>,
        stored: serde_json::Value,
        from_version: u32,
    ) -> std::result::Result<Self::State, String> {
        serde_json::from_value(stored).map_err(|e| e.to_string())
    }

    /// Handles an HTTP request routed to this instance. Default: 404.
    ///
    /// An `Err` made for the caller is answered with its text:
    /// [`Error::BadRequest`] with 400, a message of your own
    /// ([`Error::msg`]) with 500. Any other error (SQL, runtime, a refused
    /// state, ...) goes to [`Agent::on_error`] and is logged with a
    /// reference, and the caller gets 500 `Internal error (ref …)`; so does
    /// a panic. `worker::Error`s convert with `?`; a `worker::Result` of a
    /// `Response` constructor needs `Ok(Response::from_json(&value)?)`.
    async fn on_request(&self, ctx: &Context<Self>, req: Request) -> Result<Response> {
        Ok(Response::error("Not found", 404)?)
    }

    /// Whether a new connection may not push state (decided at connect).
    fn should_connection_be_readonly(&self, ctx: &Context<Self>, connection: &Connection, req: &Request) -> bool {
        false
    }

    /// Extra tags for a new connection (at most 9; each at most 256 bytes).
    fn connection_tags(&self, ctx: &Context<Self>, connection: &Connection, req: &Request) -> Vec<String> {
        Vec::new()
    }

    /// A client connected; the identity and state frames were already sent.
    async fn on_connect(&self, ctx: &Context<Self>, connection: &Connection, req: &Request) -> Result<()> {
        Ok(())
    }

    /// A message that is not a state or RPC frame.
    async fn on_message(&self, ctx: &Context<Self>, connection: &Connection, message: Message) -> Result<()> {
        Ok(())
    }

    /// A connection closed.
    async fn on_close(
        &self,
        ctx: &Context<Self>,
        connection: &Connection,
        code: u16,
        reason: &str,
        was_clean: bool,
    ) -> Result<()> {
        Ok(())
    }

    /// A hook failed or a socket errored. Default: log it.
    async fn on_error(&self, ctx: &Context<Self>, connection: Option<&Connection>, error: &Error) {
        match connection {
            Some(c) => worker::console_error!("[{}/{}] connection {}: {error}", ctx.agent_class(), ctx.name(), c.id()),
            None => worker::console_error!("[{}/{}] {error}", ctx.agent_class(), ctx.name()),
        }
    }

    /// Accepts or refuses a state change (from the server or a client)
    /// before it is stored. `Err` carries the reason (logged server-side;
    /// clients get the reference's generic "State update rejected").
    fn validate_state_change(
        &self,
        ctx: &Context<Self>,
        next: &Self::State,
        source: StateSource<'_>,
    ) -> std::result::Result<(), String> {
        Ok(())
    }

    /// A state change was stored and sent to clients.
    fn on_state_update(&self, ctx: &Context<Self>, state: &Self::State, source: StateSource<'_>) {}
}
