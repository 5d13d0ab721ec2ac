//! Chat tools declared in Rust ([`Agent::chat_tools`](crate::Agent::chat_tools)):
//! each with typed arguments whose JSON Schema comes from their type (as
//! MCP tools get theirs), and one of three kinds — run on the server, run
//! on the server after a person approves, or run in the browser.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::tool_parts::Runs;
use crate::ai::ToolDefinition;
use crate::host::panic::catch_panic;
use crate::{Agent, Context, Schema};

/// Most model calls of one turn by default (the first included): a turn
/// whose model keeps calling tools stops after this many steps.
pub const DEFAULT_MAX_STEPS: usize = 5;

type ToolFuture<'a> = Pin<Box<dyn Future<Output = ToolOutcome> + 'a>>;
type ToolFn<A> = Box<dyn for<'a> Fn(&'a A, &'a Context<A>, Value) -> ToolFuture<'a>>;

/// What running a tool gave: its output (as JSON), or the error the model
/// is told.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ToolOutcome {
    Output(Value),
    Error(String),
}

/// Where a chat tool runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    /// In the agent, as soon as the model calls it.
    Server,
    /// In the agent, once a person approves the call (`tool-approval-request`;
    /// the call waits in storage for as long as it takes).
    NeedsApproval,
    /// In the browser: the stream ends at `tool-input-available` and the
    /// page's `cf_agent_tool_result` continues the turn.
    Browser,
}

/// A tool's name and what it does, for the model. Its arguments' schema
/// comes from the handler's argument type unless [`ChatTool::parameters`]
/// sets one.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatTool {
    name: String,
    description: String,
    parameters: Option<Value>,
}

impl ChatTool {
    /// A tool named `name` (letters, digits, `_` and `-`, at most 64: what
    /// models accept) described by `description`.
    pub fn new(name: &str, description: &str) -> Self {
        assert!(
            super::wire::is_tool_name(name),
            "a chat tool's name must be 1 to 64 letters, digits, `_` or `-`: {name:?}"
        );
        ChatTool { name: name.to_owned(), description: description.to_owned(), parameters: None }
    }

    /// Sets the JSON Schema of the arguments in place of the one made from
    /// their type.
    pub fn parameters(mut self, schema: Value) -> Self {
        self.parameters = Some(schema);
        self
    }
}

struct Entry<A: Agent> {
    definition: ToolDefinition,
    kind: ToolKind,
    run: Option<ToolFn<A>>,
}

/// The tools of a chat agent, and the most model calls a turn may make.
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # use workers_agents::{export_agent, Agent, Context, Result, Schema};
/// use workers_agents::chat::{Chat, ChatTool, ChatTools};
///
/// #[derive(Deserialize, Schema)]
/// struct Search { from: String, to: String }
///
/// #[derive(Deserialize, Schema)]
/// struct Book { flight_id: String }
///
/// #[derive(Deserialize, Schema)]
/// struct NoArgs {}
///
/// # pub struct Travel;
/// impl Travel {
///     async fn search(&self, _ctx: &Context<Self>, args: Search) -> Result<Vec<String>> {
///         Ok(vec![format!("{}-{} 08:00", args.from, args.to)])
///     }
///     async fn book(&self, _ctx: &Context<Self>, args: Book) -> Result<String> {
///         Ok(format!("booked {}", args.flight_id))
///     }
/// }
///
/// impl Agent for Travel {
///     type State = ();
///     fn new(_env: &worker::Env) -> Self { Travel }
///     fn initial_state(&self) {}
///     fn chat() -> Option<Chat> { Some(Chat::new()) }
///     fn chat_tools() -> ChatTools<Self> {
///         ChatTools::new()
///             .server(ChatTool::new("search_flights", "Finds flights"), Self::search)
///             .needs_approval(ChatTool::new("book_flight", "Books a flight"), Self::book)
///             .browser::<NoArgs>(ChatTool::new("get_user_location", "The user's city"))
///             .max_steps(5)
///     }
/// }
/// # export_agent!(Travel);
/// # fn main() {}
/// ```
pub struct ChatTools<A: Agent> {
    entries: Vec<Entry<A>>,
    max_steps: usize,
    mcp: bool,
}

impl<A: Agent> Default for ChatTools<A> {
    fn default() -> Self {
        ChatTools { entries: Vec::new(), max_steps: DEFAULT_MAX_STEPS, mcp: false }
    }
}

/// The JSON Schema of a tool's arguments: `Args`'s, or an object with no
/// properties for `()`.
fn parameters_of<Args: Schema>(tool: &ChatTool) -> Value {
    if let Some(schema) = &tool.parameters {
        return schema.clone();
    }
    let schema = crate::schema::nested::<Args>();
    if schema.get("type") == Some(&json!("null")) {
        return json!({ "type": "object", "properties": {}, "additionalProperties": false });
    }
    schema
}

/// Decodes a call's input into `Args` (`()` takes any object).
fn decode<Args: DeserializeOwned>(name: &str, input: Value) -> Result<Args, String> {
    let input = match input {
        Value::Object(map) if map.is_empty() && serde_json::from_value::<Args>(Value::Null).is_ok() => Value::Null,
        other => other,
    };
    serde_json::from_value(input).map_err(|e| format!("Invalid arguments for tool {name}: {e}"))
}

impl<A: Agent> ChatTools<A> {
    /// No tools, at most [`DEFAULT_MAX_STEPS`] model calls a turn.
    pub fn new() -> Self {
        Self::default()
    }

    fn add(mut self, tool: ChatTool, parameters: Value, kind: ToolKind, run: Option<ToolFn<A>>) -> Self {
        let definition = ToolDefinition { name: tool.name, description: tool.description, parameters };
        self.entries.retain(|e| e.definition.name != definition.name);
        self.entries.push(Entry { definition, kind, run });
        self
    }

    fn handler<Args, Out, E, F>(name: &str, f: F) -> ToolFn<A>
    where
        F: AsyncFn(&A, &Context<A>, Args) -> Result<Out, E> + Copy + 'static,
        Args: DeserializeOwned + 'static,
        Out: Serialize + 'static,
        E: Display + 'static,
    {
        let name = name.to_owned();
        Box::new(move |agent, ctx, input| {
            let name = name.clone();
            Box::pin(async move {
                let args = match decode::<Args>(&name, input) {
                    Ok(args) => args,
                    Err(e) => return ToolOutcome::Error(e),
                };
                match catch_panic(f(agent, ctx, args)).await {
                    Ok(Ok(out)) => match serde_json::to_value(out) {
                        Ok(value) => ToolOutcome::Output(value),
                        Err(e) => ToolOutcome::Error(ctx.internal_error(&format!("tool {name} output"), &e)),
                    },
                    Ok(Err(e)) => ToolOutcome::Error(ctx.caller_message(&format!("tool {name}"), &e)),
                    Err(panic) => ToolOutcome::Error(ctx.internal_error(&format!("tool {name} panicked"), &panic)),
                }
            })
        })
    }

    /// Adds a tool that runs in the agent when the model calls it. Its
    /// arguments are decoded into `Args` (a mismatch is the tool's error,
    /// which the model reads); its output is sent to the model as JSON;
    /// an `Err` is the tool's error (internal errors as a reference only).
    pub fn server<Args, Out, E, F>(self, tool: ChatTool, f: F) -> Self
    where
        F: AsyncFn(&A, &Context<A>, Args) -> Result<Out, E> + Copy + 'static,
        Args: Schema + DeserializeOwned + 'static,
        Out: Serialize + 'static,
        E: Display + 'static,
    {
        let run = Self::handler(&tool.name, f);
        let parameters = parameters_of::<Args>(&tool);
        self.add(tool, parameters, ToolKind::Server, Some(run))
    }

    /// Adds a tool that runs in the agent only after a person approves the
    /// call (`cf_agent_tool_approval`); a denial is told to the model.
    pub fn needs_approval<Args, Out, E, F>(self, tool: ChatTool, f: F) -> Self
    where
        F: AsyncFn(&A, &Context<A>, Args) -> Result<Out, E> + Copy + 'static,
        Args: Schema + DeserializeOwned + 'static,
        Out: Serialize + 'static,
        E: Display + 'static,
    {
        let run = Self::handler(&tool.name, f);
        let parameters = parameters_of::<Args>(&tool);
        self.add(tool, parameters, ToolKind::NeedsApproval, Some(run))
    }

    /// Adds a tool the browser runs (no server implementation): the page
    /// answers with `cf_agent_tool_result`. `Args` gives the schema only.
    pub fn browser<Args: Schema>(self, tool: ChatTool) -> Self {
        let parameters = parameters_of::<Args>(&tool);
        self.add(tool, parameters, ToolKind::Browser, None)
    }

    /// Sets the most model calls one turn (or continuation) makes, at
    /// least 1 (default [`DEFAULT_MAX_STEPS`]).
    pub fn max_steps(mut self, steps: usize) -> Self {
        self.max_steps = steps.max(1);
        self
    }

    /// Offers the model the tools of the agent's ready MCP servers too
    /// (`ctx.mcp_client()`, feature `mcp`), as the TS SDK's
    /// `this.mcp.getAITools()` does: each named
    /// `tool_{server id without dashes}_{tool}` (made to fit the model's name
    /// rule, never taking the name of one of these tools or the page's:
    /// [`chat_tool_names`](crate::mcp::client::chat_names::chat_tool_names)),
    /// with the server's input schema, read from what was stored when the
    /// server was listed. A call runs `tools/call` on that server at once
    /// (no approval); the model reads the result's `content` and
    /// `structuredContent`, and a result with `isError` or a JSON-RPC error
    /// as the tool's error. Off by default: an agent may use servers for
    /// itself without letting the model call them.
    #[cfg(feature = "mcp")]
    pub fn with_mcp(mut self) -> Self {
        self.mcp = true;
        self
    }

    /// Whether the MCP servers' tools are offered ([`ChatTools::with_mcp`]).
    pub fn offers_mcp(&self) -> bool {
        self.mcp
    }

    /// The most model calls a turn makes.
    pub fn steps(&self) -> usize {
        self.max_steps
    }

    /// The tools as the model is offered them.
    pub fn definitions(&self) -> Vec<ToolDefinition> {
        self.entries.iter().map(|e| e.definition.clone()).collect()
    }

    /// The kind of the tool named `name`, if it is one of these.
    pub fn kind(&self, name: &str) -> Option<ToolKind> {
        self.entries.iter().find(|e| e.definition.name == name).map(|e| e.kind)
    }

    /// Whether there are no tools.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Where a call of `name` gets its result: the server's tools are
    /// these; any other name is a browser tool (declared here or by the page).
    pub(crate) fn runs(&self, name: &str) -> Runs {
        match self.kind(name) {
            Some(ToolKind::Server | ToolKind::NeedsApproval) => Runs::Server,
            _ => Runs::Browser,
        }
    }

    /// Runs the server tool `name` (of either server kind) on `input`.
    pub(crate) async fn run(&self, ctx: &Context<A>, name: &str, input: Value) -> ToolOutcome {
        match self.entries.iter().find(|e| e.definition.name == name).and_then(|e| e.run.as_ref()) {
            Some(run) => run(ctx.agent(), ctx, input).await,
            None => ToolOutcome::Error(format!("No server tool named {name}")),
        }
    }
}

impl<A: Agent> std::fmt::Debug for ChatTools<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tools: Vec<(&str, ToolKind)> = self.entries.iter().map(|e| (e.definition.name.as_str(), e.kind)).collect();
        f.debug_struct("ChatTools")
            .field("tools", &tools)
            .field("max_steps", &self.max_steps)
            .field("mcp", &self.mcp)
            .finish()
    }
}
