//! Routes `/{prefix}/{agent}/{name}[/...]` requests from the worker's fetch
//! handler to agent instances, with CORS and before-connect/request hooks.

use std::future::Future;
use std::pin::Pin;

use worker::{Env, Headers, Method, Request, Response};

use crate::host::is_websocket_upgrade;
use crate::protocol::INTERNAL_HEADER_PREFIX;
use crate::Agent;
use path::{decode_name, is_under_prefix, kebab_case, parse_agent_path, CORS_HEADERS};
use stub::stub_for;

pub(crate) mod path;
mod stub;

pub use stub::{get_agent_by_binding, get_agent_by_name, AgentStub};

type Hook = Box<dyn Fn(Request, AgentTarget) -> Pin<Box<dyn Future<Output = worker::Result<Before>>>>>;

/// Which agent instance a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentTarget {
    /// The kebab-cased agent segment of the URL.
    pub agent: String,
    /// The Durable Object binding that serves it.
    pub binding: String,
    /// The decoded instance name.
    pub name: String,
}

/// What a before-connect / before-request hook decided.
pub enum Before {
    /// Go on with this (possibly rewritten) request.
    Continue(Request),
    /// Answer with this response instead (e.g. 401); the agent never sees it.
    Respond(Response),
}

struct Route {
    url_name: String,
    binding: String,
}

/// What [`AgentRouter::handle`] did with a request.
#[derive(Debug)]
pub enum Routed {
    /// The router served it (an agent, an MCP endpoint, or an error for a
    /// path under its prefix).
    Response(Response),
    /// Not the router's: the worker answers it.
    Unrouted(Request),
}

/// Everything a worker serves from agents: agents under `/{prefix}/`, MCP
/// endpoints, and further mounts under other prefixes. What it does not
/// serve is handed back, so the worker's `fetch` stays a few lines.
///
/// ```no_run
/// # use workers_agents::{AgentRouter, Routed};
/// # async fn fetch(req: worker::Request, env: worker::Env) -> worker::Result<worker::Response> {
/// # struct Counter;
/// let router = AgentRouter::new(); // .agent::<Counter>() for each exported agent
/// match router.handle(req, &env).await? {
///     Routed::Response(response) => Ok(response),
///     Routed::Unrouted(_req) => worker::Response::error("Not found", 404),
/// }
/// # }
/// ```
pub struct AgentRouter {
    prefix: String,
    cors: bool,
    routes: Vec<Route>,
    before_connect: Option<Hook>,
    before_request: Option<Hook>,
    #[cfg(feature = "mcp")]
    mcp: Vec<crate::mcp::McpEndpoint>,
    mounts: Vec<AgentRouter>,
}

impl Default for AgentRouter {
    fn default() -> Self {
        AgentRouter {
            prefix: "agents".into(),
            cors: true,
            routes: Vec::new(),
            before_connect: None,
            before_request: None,
            #[cfg(feature = "mcp")]
            mcp: Vec::new(),
            mounts: Vec::new(),
        }
    }
}

impl AgentRouter {
    /// A router for `/agents/...` with CORS on.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `A` through the Durable Object binding named like its class.
    pub fn agent<A: Agent>(self) -> Self {
        self.agent_with_binding::<A>(A::CLASS_NAME)
    }

    /// Serves `A` through the binding `binding`; the URL segment is
    /// `kebab(binding)`, as the official router does.
    pub fn agent_with_binding<A: Agent>(mut self, binding: &str) -> Self {
        self.routes.push(Route { url_name: kebab_case(binding), binding: binding.to_owned() });
        self
    }

    /// Serves agents under `/{prefix}/` instead of `/agents/`.
    pub fn prefix(mut self, prefix: &str) -> Self {
        prefix.trim_matches('/').clone_into(&mut self.prefix);
        self
    }

    /// Turns the CORS headers (and `OPTIONS` answers) on or off.
    pub fn cors(mut self, cors: bool) -> Self {
        self.cors = cors;
        self
    }

    /// Runs before a WebSocket upgrade reaches the agent: refuse (auth) or rewrite.
    pub fn on_before_connect<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Request, AgentTarget) -> Fut + 'static,
        Fut: Future<Output = worker::Result<Before>> + 'static,
    {
        self.before_connect = Some(Box::new(move |req, target| Box::pin(hook(req, target))));
        self
    }

    /// Runs before an HTTP request reaches the agent: refuse (auth) or rewrite.
    pub fn on_before_request<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Request, AgentTarget) -> Fut + 'static,
        Fut: Future<Output = worker::Result<Before>> + 'static,
    {
        self.before_request = Some(Box::new(move |req, target| Box::pin(hook(req, target))));
        self
    }

    /// Also serves an MCP endpoint (checked before the agent routes).
    #[cfg(feature = "mcp")]
    pub fn mcp(mut self, endpoint: crate::mcp::McpEndpoint) -> Self {
        self.mcp.push(endpoint);
        self
    }

    /// Also serves `other` (its own prefix, CORS setting and hooks), tried
    /// after this router's own routes.
    pub fn mount(mut self, other: AgentRouter) -> Self {
        self.mounts.push(other);
        self
    }

    /// [`handle`](Self::handle) for a worker that serves nothing else:
    /// what is not the router's gets 404.
    pub async fn serve(&self, req: Request, env: &Env) -> worker::Result<Response> {
        match self.handle(req, env).await? {
            Routed::Response(response) => Ok(response),
            Routed::Unrouted(_) => Response::error("Not found", 404),
        }
    }

    /// Serves `req` if it is for an MCP endpoint or an agent of this router
    /// or a mount; hands it back otherwise. A path under a (non-empty)
    /// prefix that names no agent instance gets 404, with CORS when on.
    pub async fn handle(&self, req: Request, env: &Env) -> worker::Result<Routed> {
        self.dispatch(req, env, None).await
    }

    /// [`handle`](Self::handle) for a request whose caller an authenticating
    /// layer in front of the router established (the OAuth provider's
    /// [`Handled::Authorized`](crate::oauth::Handled), or the app's own
    /// check): the agent (an MCP session) sees it as [`Context::auth`](crate::Context::auth).
    pub async fn handle_authorized(&self, req: Request, env: &Env, auth: &crate::Auth) -> worker::Result<Routed> {
        self.dispatch(req, env, Some(&auth.to_header())).await
    }

    async fn dispatch(&self, req: Request, env: &Env, auth: Option<&str>) -> worker::Result<Routed> {
        let path = req.path();
        for router in std::iter::once(self).chain(&self.mounts) {
            #[cfg(feature = "mcp")]
            if let Some(endpoint) = router.mcp.iter().find(|e| e.matches(&path)) {
                return endpoint.serve(req, env, auth).await.map(Routed::Response);
            }
            if router.prefix.is_empty() || !is_under_prefix(&path, &router.prefix) {
                continue;
            }
            return Ok(Routed::Response(match router.route_with(req, env, auth).await? {
                Some(response) => response,
                None => router.finish(Response::error("Not found", 404)?)?,
            }));
        }
        Ok(Routed::Unrouted(req))
    }

    /// Routes `req`. `Ok(None)`: not an agent URL, the worker decides. An
    /// agent URL naming an unknown agent gets 400, a bad name 400.
    pub async fn route(&self, req: Request, env: &Env) -> worker::Result<Option<Response>> {
        self.route_with(req, env, None).await
    }

    async fn route_with(&self, req: Request, env: &Env, auth: Option<&str>) -> worker::Result<Option<Response>> {
        crate::host::panic::install_hook();
        let path = req.path();
        let Some(parts) = parse_agent_path(&path, &self.prefix) else {
            return Ok(None);
        };
        if self.cors && req.method() == Method::Options {
            return self.finish(Response::empty()?).map(Some);
        }
        let Some(route) = self.routes.iter().find(|r| r.url_name == parts.agent) else {
            let known: Vec<&str> = self.routes.iter().map(|r| r.url_name.as_str()).collect();
            let message = format!("Unknown agent \"{}\" (known: {})", parts.agent, known.join(", "));
            return self.finish(Response::error(message, 400)?).map(Some);
        };
        let name = match decode_name(parts.raw_name) {
            Ok(name) => name,
            Err(e) => return self.finish(Response::error(format!("Invalid agent name: {e}"), 400)?).map(Some),
        };
        let target = AgentTarget { agent: route.url_name.clone(), binding: route.binding.clone(), name };
        let is_upgrade = is_websocket_upgrade(&req)?;
        let hook = if is_upgrade { &self.before_connect } else { &self.before_request };
        let req = match hook {
            None => req,
            Some(hook) => match hook(req, target.clone()).await? {
                Before::Continue(req) => req,
                Before::Respond(response) => return self.finish(response).map(Some),
            },
        };
        // Internal headers (stub calls, MCP sessions) are for the framework's
        // own requests, never for outside callers.
        if req.headers().keys().any(|name| name.starts_with(INTERNAL_HEADER_PREFIX)) {
            return self.finish(Response::error("Reserved header", 400)?).map(Some);
        }
        let req = match auth {
            None => req,
            Some(auth) => {
                let mut req = req.clone_mut()?;
                req.headers_mut()?.set(crate::auth::AUTH_HEADER, auth)?;
                req
            }
        };
        let stub = stub_for(env, &target.binding, &target.name)?;
        let response = stub.fetch_with_request(req).await?;
        if is_upgrade {
            return Ok(Some(response));
        }
        self.finish(response).map(Some)
    }

    /// Puts this router's CORS headers (when CORS is on) on a response.
    fn finish(&self, response: Response) -> worker::Result<Response> {
        if !self.cors || response.status_code() == 101 {
            return Ok(response);
        }
        with_headers(response, &CORS_HEADERS)
    }
}

/// `response` with `extra` headers set. Responses from a stub may have
/// immutable headers, so they are copied first.
pub(crate) fn with_headers(response: Response, extra: &[(&str, &str)]) -> worker::Result<Response> {
    let headers = Headers::new();
    for (key, value) in response.headers().entries() {
        headers.append(&key, &value)?;
    }
    for (key, value) in extra {
        headers.set(key, value)?;
    }
    Ok(response.with_headers(headers))
}

/// Routes `req` with `router` (the TS SDK's `routeAgentRequest`).
pub async fn route_agent_request(req: Request, env: &Env, router: &AgentRouter) -> worker::Result<Option<Response>> {
    router.route(req, env).await
}

impl std::fmt::Debug for Before {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Before::Continue(_) => "Continue(..)",
            Before::Respond(_) => "Respond(..)",
        })
    }
}

impl std::fmt::Debug for AgentRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentRouter").field("prefix", &self.prefix).field("cors", &self.cors).finish_non_exhaustive()
    }
}
