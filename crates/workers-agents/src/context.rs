//! What an agent's hooks work with: its typed state, SQL, connections and env.

use std::cell::Cell;
use std::ops::Deref;
use std::rc::{Rc, Weak};

use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::{Env, WebSocket};

#[cfg(feature = "ai")]
use crate::ai::Conversations;
use crate::host::caller::Caller;
use crate::host::js_text::send_js_text;
use crate::host::parts::Parts;
use crate::protocol::frames::{state_error_frame, STATE_REJECTED_ERROR};
use crate::router::path::kebab_case;
use crate::schedule::runner::ArmedAlarm;
use crate::schedule::Tasks;
use crate::state::{Snapshot, StateSource, StateStore, Storage};
use crate::storage::schema::Schema;
use crate::storage::sql::Sql;
use crate::{Agent, Connection, Error, Result};

/// A shared, read-only view of the agent's state.
#[derive(Debug)]
pub struct StateRef<S>(Rc<Snapshot<S>>);

impl<S> Deref for StateRef<S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.0.value
    }
}

impl<S> StateRef<S> {
    /// The state as JSON text (serialized on each call).
    pub fn json(&self) -> Result<String>
    where
        S: serde::Serialize,
    {
        serde_json::to_string(&self.0.value).map_err(|e| Error::json("state", e))
    }
}

/// The agent's runtime context, handed to every hook and callable.
pub struct Context<A: Agent> {
    agent: A,
    durable: worker::State,
    env: Env,
    name: String,
    class: String,
    sql: Sql,
    schema: Schema,
    store: StateStore<A::State>,
    pub(crate) parts: Parts<A>,
    pub(crate) caller: Caller,
    /// Set while the instance must not write (see [`Context::awaken`]).
    dormant: Cell<bool>,
    /// Who the instance's requests speak for (an MCP session's user).
    auth: std::cell::RefCell<Option<crate::Auth>>,
    this: Weak<Context<A>>,
}

impl<A: Agent> Context<A> {
    /// Who the agent is working for, as the layer in front of the router
    /// established it ([`AgentRouter::handle_authorized`](crate::AgentRouter::handle_authorized),
    /// e.g. the OAuth provider), with the props of the token: while a
    /// connection's callables and hooks run, that connection's
    /// ([`Connection::auth`]); in an MCP session, the session's user. `None`
    /// for unauthenticated routes.
    pub fn auth(&self) -> Option<crate::Auth> {
        match self.caller.current() {
            Some(connection) => connection.auth(),
            None => self.auth.borrow().clone(),
        }
    }

    #[cfg(feature = "mcp")]
    pub(crate) fn set_auth(&self, auth: Option<crate::Auth>) {
        *self.auth.borrow_mut() = auth;
    }

    pub(crate) fn new(durable: worker::State, env: Env) -> Result<Self> {
        let name = durable.id().name().unwrap_or_default();
        let sql = Sql::new(&durable);
        let schema = Schema::open(&sql)?;
        let parts = Parts::new();
        let dormant = schema.is_new() && parts.dormant(&name);
        if !dormant {
            parts.migrate(&schema, &sql)?;
        }
        let agent = A::new(&env);
        let class = kebab_case(A::CLASS_NAME);
        Ok(Context {
            agent,
            durable,
            env,
            store: StateStore::new(format!("{class}/{name}")),
            name,
            class,
            sql,
            schema,
            parts,
            caller: Caller::default(),
            dormant: Cell::new(dormant),
            auth: std::cell::RefCell::new(None),
            this: Weak::new(),
        })
    }

    /// Puts the context in an `Rc` that knows itself (for [`Context::spawn`]).
    pub(crate) fn into_rc(mut self) -> Rc<Self> {
        Rc::new_cyclic(|this| {
            self.this = this.clone();
            self
        })
    }

    /// Whether this instance has not written anything and waits for a
    /// request that opens it (a part's [`dormant`](crate::host::parts::Part::dormant)).
    pub(crate) fn is_dormant(&self) -> bool {
        self.dormant.get()
    }

    /// Ends dormancy: creates the parts' tables, then runs the parts' start
    /// hooks and `on_start`, as a wake does for any other instance.
    pub(crate) async fn awaken(self: &Rc<Self>) -> Result<()> {
        if !self.dormant.replace(false) {
            return Ok(());
        }
        self.parts.migrate(&self.schema, &self.sql)?;
        crate::host::start(self).await;
        Ok(())
    }

    /// Deletes everything this instance stored (its tables, its alarm) and
    /// makes it dormant again: what is left of it serves only "not found".
    #[cfg(feature = "mcp")]
    pub(crate) async fn erase(&self) -> Result<()> {
        let storage = self.durable.storage();
        storage.delete_alarm().await?;
        storage.delete_all().await?;
        self.armed_alarm().forget();
        self.store.forget();
        self.schema.forget();
        self.dormant.set(true);
        Ok(())
    }

    /// Logs an internal failure under `[class/name] what` and returns what the
    /// caller is told instead: `Internal error (ref …)` (see `error/public.rs`).
    pub(crate) fn internal_error(&self, what: &str, detail: &dyn std::fmt::Display) -> String {
        crate::error::internal(&format!("[{}/{}] {what}", self.class, self.name), detail)
    }

    /// The message a caller is told of an error that the work `what`
    /// returned: the error's text when it is meant for callers, else
    /// `Internal error (ref …)`, with the error logged under
    /// `[class/name] what` and that reference (see [`Error`](crate::Error)
    /// for which is which). The framework does this for the answers it
    /// sends (RPC, MCP, `on_request`); use it for answers of your own, such
    /// as an SSE `error` event.
    pub fn caller_message<E: std::fmt::Display + 'static>(&self, what: &str, error: &E) -> String {
        crate::error::for_caller(&format!("[{}/{}] {what}", self.class, self.name), error)
    }

    /// Runs `work` in the background of this instance, with a context it
    /// owns: e.g. produce the events of a streaming response after returning
    /// it from `on_request`. Work still running when the instance is evicted
    /// is lost, like any in-flight request.
    pub fn spawn<F, Fut>(&self, work: F)
    where
        F: FnOnce(Rc<Context<A>>) -> Fut,
        Fut: std::future::Future<Output = ()> + 'static,
    {
        if let Some(ctx) = self.this.upgrade() {
            worker::wasm_bindgen_futures::spawn_local(work(ctx));
        }
    }

    /// The agent's stored conversations with AI models (history, streamed
    /// replies, catch-up). Their table is created on first use.
    #[cfg(feature = "ai")]
    pub fn conversations(&self) -> Conversations<'_> {
        Conversations::new(&self.sql, &self.schema, &self.parts.ai.live)
    }

    /// The agent's chat transcript (`UIMessage`s; feature `chat`). Its table
    /// is created on first use.
    #[cfg(feature = "chat")]
    pub fn chat_messages(&self) -> crate::chat::ChatMessages<'_> {
        crate::chat::ChatMessages::new(&self.sql, &self.schema)
    }

    /// The schema versions read at wake, for parts that create their tables on first use.
    #[cfg_attr(not(any(feature = "ai", feature = "chat")), allow(dead_code))]
    pub(crate) fn schema(&self) -> &Schema {
        &self.schema
    }

    pub(crate) fn armed_alarm(&self) -> &ArmedAlarm {
        &self.parts.schedule.armed
    }

    pub(crate) fn tasks(&self) -> &Tasks<A> {
        &self.parts.schedule.tasks
    }

    /// The agent value whose hooks run.
    pub fn agent(&self) -> &A {
        &self.agent
    }

    /// The instance name (what the client put in the URL, or `get_agent_by_name` got).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The kebab-cased class name clients address this agent by.
    pub fn agent_class(&self) -> &str {
        &self.class
    }

    /// The worker's bindings.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The agent's own SQLite database.
    pub fn sql(&self) -> &Sql {
        &self.sql
    }

    /// The Durable Object's runtime state (storage, alarms, raw sockets).
    pub fn durable_object(&self) -> &worker::State {
        &self.durable
    }

    /// The current state; the initial state is stored on first use.
    ///
    /// A stored state that decodes neither as it is nor through
    /// [`Agent::migrate_state`] fails with [`Error::StateUndecodable`]
    /// (logged once per wake); it is kept as stored until
    /// [`Context::set_state`] replaces it.
    pub fn state(&self) -> Result<StateRef<A::State>> {
        self.snapshot().map(StateRef)
    }

    pub(crate) fn snapshot(&self) -> Result<Rc<Snapshot<A::State>>> {
        let migrate = |stored, from| self.agent.migrate_state(self, stored, from);
        self.store.load(&self.storage(), || self.agent.initial_state(), migrate)
    }

    fn storage(&self) -> Storage<'_> {
        Storage { sql: &self.sql, schema: &self.schema, version: A::STATE_VERSION }
    }

    /// Sends `connection` the state frame, or, while the stored state does
    /// not decode, a `cf_agent_state_error` frame saying why.
    pub(crate) fn send_state(&self, connection: &Connection) -> Result<()> {
        match self.snapshot() {
            Ok(snapshot) => connection.send_js(&snapshot.frame),
            Err(Error::StateUndecodable(why)) => connection.send(&state_error_frame(&why)),
            Err(e) => Err(e),
        }
    }

    /// Replaces the state: validated by the agent's `validate_state_change`,
    /// stored, pushed to every connection, then `on_state_update` runs.
    /// The stored state is not read: this replaces one that does not decode.
    ///
    /// Refused with [`Error::Readonly`] while working for a readonly
    /// connection (its callables, `on_connect`, `on_message`, `on_close`),
    /// as in the TS SDK: a readonly client cannot change the state through a
    /// method either.
    pub fn set_state(&self, state: A::State) -> Result<()> {
        self.refuse_readonly_caller()?;
        self.store_state(state)
    }

    /// `set_state` once the caller is known to be allowed.
    fn store_state(&self, state: A::State) -> Result<()> {
        self.agent.validate_state_change(self, &state, StateSource::Server).map_err(Error::StateRejected)?;
        let snapshot = self.store.save(&self.storage(), state)?;
        self.broadcast_raw(&snapshot.frame, None);
        self.agent.on_state_update(self, &snapshot.value, StateSource::Server);
        Ok(())
    }

    /// Changes the state in place through `change` and sets the result.
    ///
    /// The state is not copied unless a [`StateRef`] to it is still held:
    /// it is moved out, changed and stored. Until it is stored (or if it is
    /// refused) the state is read back from storage, so a
    /// `validate_state_change` that reads `ctx.state()` during an update
    /// pays that read.
    pub fn update_state(&self, change: impl FnOnce(&mut A::State)) -> Result<()> {
        self.refuse_readonly_caller()?;
        let migrate = |stored, from| self.agent.migrate_state(self, stored, from);
        let mut next = self.store.take_for_change(&self.storage(), || self.agent.initial_state(), migrate)?;
        change(&mut next);
        self.store_state(next)
    }

    /// The connection whose frame the agent is handling: set in callables
    /// called over WebSocket and in `on_connect`, `on_message` and `on_close`
    /// (the TS SDK's `getCurrentAgent().connection`); `None` elsewhere (HTTP,
    /// schedules, calls from other agents).
    pub fn current_connection(&self) -> Option<Connection> {
        self.caller.current()
    }

    fn refuse_readonly_caller(&self) -> Result<()> {
        match self.caller.current() {
            Some(connection) if connection.is_readonly() => Err(Error::Readonly),
            _ => Ok(()),
        }
    }

    /// Applies a state pushed by a client. Refusals answer the client with
    /// `cf_agent_state_error` and then the authoritative state, so the client
    /// does not stay diverged. While the stored state does not decode, a
    /// client's state is refused (only the agent replaces it), with the
    /// error frame saying why.
    pub(crate) fn apply_client_state(&self, connection: &Connection, pushed: &str) -> Result<()> {
        let refuse = |error: &str| -> Result<()> {
            connection.send(&state_error_frame(error))?;
            self.send_state(connection)
        };
        if connection.is_readonly() {
            return refuse(crate::protocol::frames::READONLY_ERROR);
        }
        match self.snapshot() {
            Err(Error::StateUndecodable(_)) => return self.send_state(connection),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        let state: A::State = match serde_json::from_str(pushed) {
            Ok(state) => state,
            Err(e) => {
                worker::console_warn!("[{}] state from {} refused: {e}", self.class, connection.id());
                return refuse(STATE_REJECTED_ERROR);
            }
        };
        let source = StateSource::Connection(connection);
        if let Err(why) = self.agent.validate_state_change(self, &state, source) {
            worker::console_warn!("[{}] state from {} refused: {why}", self.class, connection.id());
            return refuse(STATE_REJECTED_ERROR);
        }
        // The sender already has what it sent, unless decoding changed it
        // (the texts may differ only in spacing or key order: compare values then).
        let (snapshot, unchanged) = self.store.save_inspecting(&self.storage(), state, |json| {
            json == pushed || serde_json::from_str::<Value>(pushed).ok() == serde_json::from_str::<Value>(json).ok()
        })?;
        let sender = unchanged.then_some(connection.socket());
        self.broadcast_raw(&snapshot.frame, sender);
        self.agent.on_state_update(self, &snapshot.value, source);
        Ok(())
    }

    /// Every open connection (a socket that is closing is not listed).
    pub fn connections(&self) -> Vec<Connection> {
        self.durable.get_websockets().into_iter().filter(is_open).map(Connection::from_socket).collect()
    }

    /// Open connections carrying `tag`.
    pub fn connections_with_tag(&self, tag: &str) -> Vec<Connection> {
        self.durable.get_websockets_with_tag(tag).into_iter().filter(is_open).map(Connection::from_socket).collect()
    }

    /// A connection by id (the first, should a client reuse its id).
    pub fn connection(&self, id: &str) -> Option<Connection> {
        self.connections().into_iter().find(|c| c.id() == id)
    }

    /// The tags a connection was accepted with.
    pub fn tags(&self, connection: &Connection) -> Vec<String> {
        self.durable.get_tags(connection.socket())
    }

    /// Sends `message` to every connection except those whose id is in `exclude`.
    pub fn broadcast(&self, message: &str, exclude: &[&str]) {
        // Ids are read (from the attachments) only when some are excluded.
        self.send_to_open_sockets(&JsValue::from_str(message), |ws, _| {
            !exclude.is_empty() && exclude.contains(&Connection::from_socket(ws.clone()).id())
        });
    }

    /// Sends `frame` to every socket but `except` without decoding attachments.
    fn broadcast_raw(&self, frame: &JsValue, except: Option<&WebSocket>) {
        let except: Option<&JsValue> = except.map(|ws| {
            let raw: &web_sys_ws::WebSocket = ws.as_ref();
            raw.as_ref()
        });
        self.send_to_open_sockets(frame, |_, raw| Some(raw) == except);
    }

    /// Sends `frame` (a JS string, made once however many sockets receive
    /// it) to every socket for which `skip` is false. A socket that is
    /// closing refuses the send, which is skipped: cheaper than asking every
    /// socket its state first.
    fn send_to_open_sockets(&self, frame: &JsValue, skip: impl Fn(&WebSocket, &JsValue) -> bool) {
        for ws in self.durable.get_websockets() {
            let raw: &web_sys_ws::WebSocket = ws.as_ref();
            if skip(&ws, raw.as_ref()) {
                continue;
            }
            if let Err(e) = send_js_text(&ws, frame) {
                worker::console_debug!("send skipped: {e}");
            }
        }
    }
}

mod web_sys_ws {
    pub(crate) use worker::worker_sys::web_sys::WebSocket;
}

fn is_open(ws: &WebSocket) -> bool {
    let raw: &web_sys_ws::WebSocket = ws.as_ref();
    raw.ready_state() == web_sys_ws::WebSocket::OPEN
}

impl<A: Agent> std::fmt::Debug for Context<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("agent", &self.class).field("name", &self.name).finish_non_exhaustive()
    }
}
