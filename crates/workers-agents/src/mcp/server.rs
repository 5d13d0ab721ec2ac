//! The declaration of an MCP server agent: its name, tools, resources and
//! prompts with typed handlers, and the answers to the MCP methods.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::jsonrpc::{RpcError, INTERNAL_ERROR, INVALID_PARAMS, METHOD_NOT_FOUND};
use super::peer::Peer;
use super::types::{page, Prompt, PromptResult, Resource, ResourceContents, Tool, ToolResult};
use super::uri_template::{self, Variables};
use crate::host::panic::catch_panic;
use crate::{Agent, Context};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;
type ToolFn<A> = Box<dyn for<'a> Fn(&'a A, &'a Context<A>, Peer, Value) -> BoxFuture<'a, ToolResult>>;
type ResourceFn<A> =
    Box<dyn for<'a> Fn(&'a A, &'a Context<A>, ResourceRequest) -> BoxFuture<'a, Result<Vec<ResourceContents>, String>>>;
type CompleteFn<A> =
    Box<dyn for<'a> Fn(&'a A, &'a Context<A>, CompletionRequest) -> BoxFuture<'a, Result<Vec<String>, String>>>;
type PromptFn<A> = Box<dyn for<'a> Fn(&'a A, &'a Context<A>, Value) -> BoxFuture<'a, Result<PromptResult, RpcError>>>;

/// MCP error code for a resource that does not exist.
pub const RESOURCE_NOT_FOUND: i64 = -32002;

/// Arguments of a tool or prompt that takes none.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
pub struct NoArgs {}

/// What a resource handler is asked for: the URI, and the template variables
/// when the resource is a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRequest {
    /// The requested URI.
    pub uri: String,
    /// The template's variables (empty for fixed resources).
    pub params: Variables,
}

/// What is being completed: an argument of a prompt or a variable of a resource template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompletionRef {
    /// `ref/prompt`: the prompt's name.
    Prompt(String),
    /// `ref/resource`: the resource template's URI template.
    Resource(String),
}

/// A `completion/complete` request: the argument and what the user typed so far.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionRequest {
    /// What is being completed.
    pub reference: CompletionRef,
    /// The argument's name.
    pub argument: String,
    /// Its partial value.
    pub value: String,
    /// Arguments already resolved (`context.arguments`).
    pub context: Value,
}

/// Completion values per response, at most.
const MAX_COMPLETIONS: usize = 100;

/// How long an MCP session may stay idle by default: a day.
pub const DEFAULT_SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// An MCP server: what an MCP agent offers its clients.
///
/// ```no_run
/// # use serde::Deserialize;
/// # use workers_agents::{export_agent, Agent, Context};
/// use workers_agents::mcp::{McpServer, ResourceContents, ResourceRequest, Resource, Tool, ToolResult};
///
/// # #[derive(Clone, serde::Serialize, serde::Deserialize)] pub struct Count { n: i64 }
/// #[derive(Deserialize)]
/// struct Add { a: i64 }
///
/// # pub struct CounterMcp;
/// impl CounterMcp {
///     async fn add(&self, ctx: &Context<Self>, args: Add) -> workers_agents::Result<ToolResult> {
///         ctx.update_state(|s| s.n += args.a)?;
///         Ok(ToolResult::text(format!("Added {}, total is now {}", args.a, ctx.state()?.n)))
///     }
///
///     async fn counter(&self, ctx: &Context<Self>, req: ResourceRequest) -> workers_agents::Result<ResourceContents> {
///         Ok(ResourceContents::text(req.uri, "text/plain", ctx.state()?.n.to_string()))
///     }
/// }
///
/// impl Agent for CounterMcp {
///     type State = Count;
///     fn new(_env: &worker::Env) -> Self { CounterMcp }
///     fn initial_state(&self) -> Count { Count { n: 0 } }
///     fn mcp_server() -> Option<McpServer<Self>> {
///         let add = Tool::new("add", "Add to the counter")
///             .input_schema(serde_json::json!({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}));
///         Some(McpServer::new("Counter", "1.0.0")
///             .tool(add, Self::add)
///             .resource(Resource::new("counter", "mcp://resource/counter"), Self::counter))
///     }
/// }
/// # export_agent!(CounterMcp);
/// # fn main() {}
/// ```
pub struct McpServer<A: Agent> {
    name: String,
    version: String,
    instructions: Option<String>,
    keep_alive: Duration,
    idle_timeout: Duration,
    tools: Vec<(Tool, ToolFn<A>)>,
    resources: Vec<(Resource, ResourceFn<A>)>,
    templates: Vec<(Resource, ResourceFn<A>)>,
    prompts: Vec<(Prompt, PromptFn<A>)>,
    completions: Vec<(CompletionRef, String, CompleteFn<A>)>,
}

fn tool_fn<A: Agent, F>(f: F) -> ToolFn<A>
where
    F: for<'a> Fn(&'a A, &'a Context<A>, Peer, Value) -> BoxFuture<'a, ToolResult> + 'static,
{
    Box::new(f)
}

fn resource_fn<A: Agent, F>(f: F) -> ResourceFn<A>
where
    F: for<'a> Fn(&'a A, &'a Context<A>, ResourceRequest) -> BoxFuture<'a, Result<Vec<ResourceContents>, String>>
        + 'static,
{
    Box::new(f)
}

fn prompt_fn<A: Agent, F>(f: F) -> PromptFn<A>
where
    F: for<'a> Fn(&'a A, &'a Context<A>, Value) -> BoxFuture<'a, Result<PromptResult, RpcError>> + 'static,
{
    Box::new(f)
}

/// Decodes tool arguments: `Err` is the message the model sees.
fn decode_args<Args: DeserializeOwned>(tool: &Tool, arguments: Value) -> Result<Args, String> {
    let name = &tool.name;
    super::json_schema::validate(&tool.descriptor["inputSchema"], &arguments)
        .map_err(|e| format!("Invalid arguments for tool {name}: {e}"))?;
    serde_json::from_value(arguments).map_err(|e| format!("Invalid arguments for tool {name}: {e}"))
}

impl<A: Agent> McpServer<A> {
    /// A server with this name and version (sent as `serverInfo`).
    pub fn new(name: &str, version: &str) -> Self {
        McpServer {
            name: name.to_owned(),
            version: version.to_owned(),
            instructions: None,
            keep_alive: Duration::from_secs(15),
            idle_timeout: DEFAULT_SESSION_IDLE_TIMEOUT,
            tools: Vec::new(),
            resources: Vec::new(),
            templates: Vec::new(),
            prompts: Vec::new(),
            completions: Vec::new(),
        }
    }

    /// Instructions for the client's model (sent with `initialize`).
    pub fn instructions(mut self, instructions: &str) -> Self {
        self.instructions = Some(instructions.to_owned());
        self
    }

    /// How often an idle SSE stream gets a keep-alive comment (default 15 s).
    pub fn keep_alive(mut self, interval: Duration) -> Self {
        self.keep_alive = interval;
        self
    }

    pub(crate) fn keep_alive_interval(&self) -> Duration {
        self.keep_alive
    }

    /// How long a session may go without a request before it expires
    /// (default a day, [`DEFAULT_SESSION_IDLE_TIMEOUT`]). The instance's
    /// alarm ends an expired session and deletes its storage; the client
    /// then gets 404 and opens a new session.
    pub fn session_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    pub(crate) fn idle_timeout_ms(&self) -> i64 {
        i64::try_from(self.idle_timeout.as_millis()).unwrap_or(i64::MAX).max(1)
    }

    /// Adds a tool. Arguments are checked against the tool's input schema and
    /// then decoded into `Args`; a mismatch, or an `Err` from `f`, is a tool
    /// result with `isError: true` that the model can read and correct.
    pub fn tool<Args, E, F>(self, tool: Tool, f: F) -> Self
    where
        F: AsyncFn(&A, &Context<A>, Args) -> Result<ToolResult, E> + Copy + 'static,
        Args: DeserializeOwned + 'static,
        E: Display + 'static,
    {
        self.tool_with_peer(tool, async move |agent: &A, ctx: &Context<A>, _peer: Peer, args: Args| {
            f(agent, ctx, args).await
        })
    }

    /// Adds a tool whose handler also gets the [`Peer`]: progress and log
    /// notifications, cancellation.
    pub fn tool_with_peer<Args, E, F>(mut self, tool: Tool, f: F) -> Self
    where
        F: AsyncFn(&A, &Context<A>, Peer, Args) -> Result<ToolResult, E> + Copy + 'static,
        Args: DeserializeOwned + 'static,
        E: Display + 'static,
    {
        let described = tool.clone();
        let handler = tool_fn(move |agent, ctx, peer, arguments| {
            let tool = described.clone();
            Box::pin(async move {
                match decode_args::<Args>(&tool, arguments) {
                    Ok(args) => f(agent, ctx, peer, args)
                        .await
                        .unwrap_or_else(|e| ToolResult::error(ctx.caller_message(&format!("tool {}", tool.name), &e))),
                    Err(message) => ToolResult::error(message),
                }
            })
        });
        self.tools.retain(|(t, _)| t.name != tool.name);
        self.tools.push((tool, handler));
        self
    }

    /// Adds a resource at a fixed URI ([`Resource::new`]) or a family under a
    /// URI template ([`Resource::template`]); the handler gets the URI and the
    /// template's variables.
    pub fn resource<R, E, F>(mut self, resource: Resource, f: F) -> Self
    where
        F: AsyncFn(&A, &Context<A>, ResourceRequest) -> Result<R, E> + Copy + 'static,
        R: Into<Vec<ResourceContents>>,
        E: Display + 'static,
    {
        let handler = resource_fn(move |agent, ctx, request| {
            Box::pin(async move {
                let uri = request.uri.clone();
                f(agent, ctx, request)
                    .await
                    .map(Into::into)
                    .map_err(|e| ctx.caller_message(&format!("resource {uri}"), &e))
            })
        });
        if resource.descriptor.get("uriTemplate").is_some() {
            assert!(uri_template::is_valid(&resource.uri), "invalid URI template: {}", resource.uri);
            self.templates.push((resource, handler));
        } else {
            self.resources.push((resource, handler));
        }
        self
    }

    /// Adds a prompt. Its arguments (strings) are decoded into `Args`;
    /// a missing required argument is an invalid-params error.
    pub fn prompt<Args, E, F>(mut self, prompt: Prompt, f: F) -> Self
    where
        F: AsyncFn(&A, &Context<A>, Args) -> Result<PromptResult, E> + Copy + 'static,
        Args: DeserializeOwned + 'static,
        E: Display + 'static,
    {
        let name = prompt.name.clone();
        let handler = prompt_fn(move |agent, ctx, arguments| {
            let name = name.clone();
            Box::pin(async move {
                let args: Args = serde_json::from_value(arguments)
                    .map_err(|e| RpcError::new(INVALID_PARAMS, format!("Invalid arguments for prompt {name}: {e}")))?;
                f(agent, ctx, args)
                    .await
                    .map_err(|e| RpcError::new(INTERNAL_ERROR, ctx.caller_message(&format!("prompt {name}"), &e)))
            })
        });
        self.prompts.push((prompt, handler));
        self
    }

    /// Completes values of `argument` of a prompt or resource template
    /// (`completion/complete`); the handler returns candidates, best first.
    pub fn completion<E, F>(mut self, reference: CompletionRef, argument: &str, f: F) -> Self
    where
        F: AsyncFn(&A, &Context<A>, CompletionRequest) -> Result<Vec<String>, E> + Copy + 'static,
        E: Display + 'static,
    {
        let handler: CompleteFn<A> = Box::new(move |agent, ctx, request| {
            Box::pin(async move { f(agent, ctx, request).await.map_err(|e| ctx.caller_message("completion", &e)) })
        });
        self.completions.push((reference, argument.to_owned(), handler));
        self
    }

    /// The `initialize` result for a negotiated protocol version.
    pub(crate) fn initialize_result(&self, version: &str) -> Value {
        let mut capabilities = json!({ "logging": {} });
        if !self.tools.is_empty() {
            capabilities["tools"] = json!({ "listChanged": false });
        }
        if !self.resources.is_empty() || !self.templates.is_empty() {
            capabilities["resources"] = json!({ "subscribe": true, "listChanged": false });
        }
        if !self.prompts.is_empty() {
            capabilities["prompts"] = json!({ "listChanged": false });
        }
        if !self.completions.is_empty() {
            capabilities["completions"] = json!({});
        }
        let mut result = json!({
            "protocolVersion": version,
            "capabilities": capabilities,
            "serverInfo": { "name": self.name, "version": self.version },
        });
        if let Some(instructions) = &self.instructions {
            result["instructions"] = json!(instructions);
        }
        result
    }

    /// Answers one request other than `initialize`.
    pub(crate) async fn answer(
        &self,
        ctx: &Context<A>,
        method: &str,
        params: &Value,
        peer: Peer,
    ) -> Result<Value, RpcError> {
        match method {
            "ping" => Ok(json!({})),
            "tools/list" => {
                // A tool the caller may not use is not shown to them.
                let auth = ctx.auth();
                let visible = self.tools.iter().filter(|(t, _)| t.missing_permission(auth.as_ref()).is_none());
                list(visible.map(|(t, _)| t.descriptor.clone()).collect(), params, "tools")
            }
            "resources/list" => list(descriptors(&self.resources, |r| &r.descriptor), params, "resources"),
            "resources/templates/list" => {
                list(descriptors(&self.templates, |r| &r.descriptor), params, "resourceTemplates")
            }
            "prompts/list" => list(descriptors(&self.prompts, |p| &p.descriptor), params, "prompts"),
            "tools/call" => self.call_tool(ctx, params, peer).await,
            "resources/read" => self.read_resource(ctx, params).await,
            "prompts/get" => self.get_prompt(ctx, params).await,
            "completion/complete" if !self.completions.is_empty() => self.complete(ctx, params).await,
            _ => Err(RpcError::new(METHOD_NOT_FOUND, format!("Method not found: {method}"))),
        }
    }

    async fn call_tool(&self, ctx: &Context<A>, params: &Value, peer: Peer) -> Result<Value, RpcError> {
        let name = required_str(params, "name")?;
        let Some((tool, handler)) = self.tools.iter().find(|(t, _)| t.name == name) else {
            return Err(RpcError::new(INVALID_PARAMS, format!("Unknown tool: {name}")));
        };
        if let Some(permission) = tool.missing_permission(ctx.auth().as_ref()) {
            let refused = ToolResult::error(format!("Permission denied: requires {permission}"));
            return Ok(serde_json::to_value(refused).unwrap_or_default());
        }
        let arguments = match params.get("arguments") {
            None | Some(Value::Null) => json!({}),
            Some(arguments @ Value::Object(_)) => arguments.clone(),
            Some(_) => return Err(RpcError::new(INVALID_PARAMS, "Invalid params: arguments must be an object")),
        };
        let result = catch_panic(handler(ctx.agent(), ctx, peer, arguments)).await.map_err(|panic| {
            RpcError::new(INTERNAL_ERROR, ctx.internal_error(&format!("tool {name} panicked"), &panic))
        })?;
        serde_json::to_value(result)
            .map_err(|e| RpcError::new(INTERNAL_ERROR, ctx.internal_error(&format!("tool {name} result"), &e)))
    }

    async fn read_resource(&self, ctx: &Context<A>, params: &Value) -> Result<Value, RpcError> {
        let uri = required_str(params, "uri")?;
        let fixed = self.resources.iter().find(|(r, _)| r.uri == uri).map(|(_, f)| (f, Variables::new()));
        let found = fixed.or_else(|| {
            self.templates.iter().find_map(|(r, f)| uri_template::match_uri(&r.uri, uri).map(|vars| (f, vars)))
        });
        let Some((handler, params)) = found else {
            let mut error = RpcError::new(RESOURCE_NOT_FOUND, format!("Resource not found: {uri}"));
            error.data = Some(json!({ "uri": uri }));
            return Err(error);
        };
        let request = ResourceRequest { uri: uri.to_owned(), params };
        match catch_panic(handler(ctx.agent(), ctx, request)).await {
            Ok(Ok(contents)) => Ok(json!({ "contents": contents })),
            Ok(Err(e)) => Err(RpcError::new(INTERNAL_ERROR, format!("Reading {uri} failed: {e}"))),
            Err(panic) => {
                Err(RpcError::new(INTERNAL_ERROR, ctx.internal_error(&format!("reading {uri} panicked"), &panic)))
            }
        }
    }

    async fn get_prompt(&self, ctx: &Context<A>, params: &Value) -> Result<Value, RpcError> {
        let name = required_str(params, "name")?;
        let Some((prompt, handler)) = self.prompts.iter().find(|(p, _)| p.name == name) else {
            return Err(RpcError::new(INVALID_PARAMS, format!("Unknown prompt: {name}")));
        };
        let arguments = match params.get("arguments") {
            None | Some(Value::Null) => json!({}),
            Some(Value::Object(arguments)) if arguments.values().all(Value::is_string) => {
                Value::Object(arguments.clone())
            }
            Some(_) => return Err(RpcError::new(INVALID_PARAMS, "Invalid params: prompt arguments must be strings")),
        };
        if let Some(missing) = prompt.required.iter().find(|r| arguments.get(r.as_str()).is_none()) {
            return Err(RpcError::new(
                INVALID_PARAMS,
                format!("Missing required argument {missing} for prompt {name}"),
            ));
        }
        let result = catch_panic(handler(ctx.agent(), ctx, arguments)).await.map_err(|panic| {
            RpcError::new(INTERNAL_ERROR, ctx.internal_error(&format!("prompt {name} panicked"), &panic))
        })??;
        serde_json::to_value(result)
            .map_err(|e| RpcError::new(INTERNAL_ERROR, ctx.internal_error(&format!("prompt {name} result"), &e)))
    }
}

impl<A: Agent> McpServer<A> {
    async fn complete(&self, ctx: &Context<A>, params: &Value) -> Result<Value, RpcError> {
        let reference = match params.pointer("/ref/type").and_then(Value::as_str) {
            Some("ref/prompt") => CompletionRef::Prompt(required_str(&params["ref"], "name")?.to_owned()),
            Some("ref/resource") => CompletionRef::Resource(required_str(&params["ref"], "uri")?.to_owned()),
            _ => {
                return Err(RpcError::new(
                    INVALID_PARAMS,
                    "Invalid params: ref.type must be ref/prompt or ref/resource",
                ))
            }
        };
        let argument = params.get("argument").unwrap_or(&Value::Null);
        let name = required_str(argument, "name")?;
        let value = argument.get("value").and_then(Value::as_str).unwrap_or_default();
        let found = self.completions.iter().find(|(r, a, _)| *r == reference && a == name);
        let mut values = match found {
            None => Vec::new(),
            Some((_, _, handler)) => {
                let request = CompletionRequest {
                    reference: reference.clone(),
                    argument: name.to_owned(),
                    value: value.to_owned(),
                    context: params.pointer("/context/arguments").cloned().unwrap_or(Value::Null),
                };
                match catch_panic(handler(ctx.agent(), ctx, request)).await {
                    Ok(Ok(values)) => values,
                    Ok(Err(e)) => return Err(RpcError::new(INTERNAL_ERROR, format!("Completion failed: {e}"))),
                    Err(panic) => return Err(RpcError::new(INTERNAL_ERROR, format!("Completion panicked: {panic}"))),
                }
            }
        };
        let total = values.len();
        values.truncate(MAX_COMPLETIONS);
        Ok(json!({ "completion": { "values": values, "total": total, "hasMore": total > MAX_COMPLETIONS } }))
    }
}

fn required_str<'a>(params: &'a Value, key: &str) -> Result<&'a str, RpcError> {
    params
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::new(INVALID_PARAMS, format!("Invalid params: {key} must be a string")))
}

/// What `*/list` shows of each item.
fn descriptors<T, H>(items: &[(T, H)], descriptor: impl Fn(&T) -> &Value) -> Vec<Value> {
    items.iter().map(|(item, _)| descriptor(item).clone()).collect()
}

/// One page of a `*/list` answer.
fn list(described: Vec<Value>, params: &Value, key: &str) -> Result<Value, RpcError> {
    let cursor = params.get("cursor").and_then(Value::as_str);
    let (page, next) = page(&described, cursor).map_err(|e| RpcError::new(INVALID_PARAMS, e))?;
    let mut result = json!({ key: page });
    if let Some(next) = next {
        result["nextCursor"] = json!(next);
    }
    Ok(result)
}

impl<A: Agent> std::fmt::Debug for McpServer<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer").finish_non_exhaustive()
    }
}
