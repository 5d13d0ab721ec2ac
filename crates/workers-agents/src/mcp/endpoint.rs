//! The worker side of an MCP server agent: mounts Streamable HTTP (`/mcp`)
//! or legacy SSE (`/sse`) at a path, checks each HTTP request, and forwards
//! it to the session's own agent instance (one Durable Object per session).

use worker::{Env, Headers, Method, Request, RequestInit, Response};

use super::jsonrpc::{error_response, parse_body, Body, Message, RpcError};
use super::origin::{normalize_host, normalize_origin, Access, Cors};
use super::transport::{
    json_reply, session_not_found, LEGACY_SSE, MCP_ENDPOINT_HEADER, MCP_HEADER, MCP_SESSION_HEADER, STREAMABLE,
};
use crate::body::BodyError;
use crate::host::is_websocket_upgrade;
use crate::sse::framing::accepts;
use crate::Agent;

/// Default limit on a POSTed JSON-RPC body.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The CORS headers of an answer to an allowed foreign origin, besides
/// `access-control-allow-origin`.
const CORS: [(&str, &str); 3] = [
    ("access-control-allow-methods", "GET, POST, DELETE, OPTIONS"),
    (
        "access-control-allow-headers",
        "content-type, accept, authorization, mcp-session-id, mcp-protocol-version, last-event-id",
    ),
    ("access-control-expose-headers", "mcp-session-id, mcp-protocol-version"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Streamable,
    LegacySse,
}

/// An MCP agent mounted at a path of the worker.
///
/// ```no_run
/// # use workers_agents::mcp::McpEndpoint;
/// # async fn fetch(req: worker::Request, env: worker::Env) -> worker::Result<worker::Response> {
/// # struct CounterMcp;
/// // let mcp = McpEndpoint::streamable_http::<CounterMcp>("/mcp");
/// # let mcp: McpEndpoint = todo!();
/// if let Some(response) = mcp.route(req, &env).await? {
///     return Ok(response);
/// }
/// # todo!()
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct McpEndpoint {
    path: String,
    binding: String,
    transport: Transport,
    max_body: usize,
    cors: bool,
    access: Access,
}

/// The vars [`McpEndpoint::allow_lists_from_env`] reads.
pub const ALLOWED_ORIGINS_VAR: &str = "MCP_ALLOWED_ORIGINS";
/// See [`ALLOWED_ORIGINS_VAR`].
pub const ALLOWED_HOSTS_VAR: &str = "MCP_ALLOWED_HOSTS";

/// Whether `id` has the shape of a session id this endpoint hands out (32 lowercase hex digits).
pub(crate) fn is_session_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The Durable Object name of a session: one instance per session and transport.
pub(crate) fn instance_name(transport: &str, session_id: &str) -> String {
    format!("{transport}:{session_id}")
}

/// Whether an instance name is one [`instance_name`] makes.
pub(crate) fn is_session_instance(name: &str) -> bool {
    [STREAMABLE, LEGACY_SSE].iter().any(|transport| {
        name.strip_prefix(transport).and_then(|rest| rest.strip_prefix(':')).is_some_and(is_session_id)
    })
}

fn new_session_id() -> String {
    crate::ids::uuid_v4().replace('-', "")
}

fn rpc_error(status: u16, code: i64, message: &str) -> worker::Result<Response> {
    json_reply(status, &error_response(&serde_json::Value::Null, &RpcError::new(code, message)), "")
}

impl McpEndpoint {
    /// Streamable HTTP at `path` (POST, GET and DELETE), served by agent `A`.
    pub fn streamable_http<A: Agent>(path: &str) -> Self {
        Self::new(path, A::CLASS_NAME, Transport::Streamable)
    }

    /// Legacy SSE: `GET {path}` opens the stream, `POST {path}/message?sessionId=` sends.
    pub fn sse<A: Agent>(path: &str) -> Self {
        Self::new(path, A::CLASS_NAME, Transport::LegacySse)
    }

    fn new(path: &str, binding: &str, transport: Transport) -> Self {
        let path = format!("/{}", path.trim_matches('/'));
        McpEndpoint {
            path,
            binding: binding.to_owned(),
            transport,
            max_body: DEFAULT_MAX_BODY_BYTES,
            cors: true,
            access: Access::default(),
        }
    }

    /// Serves through the Durable Object binding `binding` instead of the class name.
    pub fn binding(mut self, binding: &str) -> Self {
        binding.clone_into(&mut self.binding);
        self
    }

    /// Limit on a POSTed body (default 4 MiB); larger bodies get 413.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Turns CORS answers (to `OPTIONS`, and headers for the allowed
    /// foreign origins) on or off (default on).
    pub fn cors(mut self, cors: bool) -> Self {
        self.cors = cors;
        self
    }

    /// Origins (`scheme://host[:port]`, e.g. the MCP inspector's
    /// `http://localhost:6274`) that may call this endpoint from a browser,
    /// besides the server's own origin; `"*"` allows every origin. A request
    /// with any other `Origin` (`null` included) gets 403: by default only
    /// the server's own pages and clients that send no `Origin` (SDKs,
    /// servers, command-line tools) are served.
    pub fn allowed_origins<S: AsRef<str>>(mut self, origins: &[S]) -> Self {
        self.access.origins.extend(origins.iter().map(|o| normalize_origin(o.as_ref())).filter(|o| !o.is_empty()));
        self
    }

    /// Protects against DNS rebinding: only requests whose `Host` names one
    /// of `hosts` (names without ports, e.g. `localhost`, `127.0.0.1`,
    /// `[::1]`, `my-worker.example.workers.dev`) are served; others get 403.
    /// An `Origin` on one of these hosts is allowed too. Empty (the
    /// default): any `Host`.
    pub fn allowed_hosts<S: AsRef<str>>(mut self, hosts: &[S]) -> Self {
        self.access.hosts.extend(hosts.iter().map(|h| normalize_host(h.as_ref())).filter(|h| !h.is_empty()));
        self
    }

    /// Adds the comma-separated lists of the worker's vars
    /// [`MCP_ALLOWED_ORIGINS`](ALLOWED_ORIGINS_VAR) and
    /// [`MCP_ALLOWED_HOSTS`](ALLOWED_HOSTS_VAR) (e.g. in `wrangler.toml`'s
    /// `[vars]`), so that a deployment configures them without code.
    pub fn allow_lists_from_env(self, env: &Env) -> Self {
        let list = |name: &str| -> Vec<String> {
            env.var(name)
                .map(|v| v.to_string().split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default()
        };
        let (origins, hosts) = (list(ALLOWED_ORIGINS_VAR), list(ALLOWED_HOSTS_VAR));
        self.allowed_origins(&origins).allowed_hosts(&hosts)
    }

    fn message_path(&self) -> String {
        format!("{}/message", self.path.trim_end_matches('/'))
    }

    /// Whether this endpoint serves `path`.
    pub fn matches(&self, path: &str) -> bool {
        let path = if path.len() > 1 { path.trim_end_matches('/') } else { path };
        path == self.path || (self.transport == Transport::LegacySse && path == self.message_path())
    }

    /// Serves `req` when its path is this endpoint's; `Ok(None)` otherwise.
    pub async fn route(&self, req: Request, env: &Env) -> worker::Result<Option<Response>> {
        if !self.matches(&req.path()) {
            return Ok(None);
        }
        self.serve(req, env, None).await.map(Some)
    }

    /// Serves `req`, whose path is this endpoint's.
    pub(crate) async fn serve(&self, req: Request, env: &Env, auth: Option<&str>) -> worker::Result<Response> {
        crate::host::panic::install_hook();
        // The Host header; a request made in code may lack it: its URL says the same.
        let url = req.url()?;
        let host = match req.headers().get("host")? {
            Some(host) => host,
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let origin = req.headers().get("origin")?;
        let cors = match self.access.check(&host, origin.as_deref(), &url.origin().ascii_serialization()) {
            Ok(cors) => cors,
            Err(why) => return rpc_error(403, -32000, &format!("Forbidden: {why}")),
        };
        if self.cors && req.method() == Method::Options {
            return self.finish(Response::empty()?.with_status(204), &cors);
        }
        // An upgrade would reach the session's agent as a WebSocket client,
        // able to push state frames into it: MCP sessions speak HTTP only.
        if is_websocket_upgrade(&req)? {
            let refused = rpc_error(400, -32000, "Bad Request: MCP endpoints do not accept WebSocket upgrades")?;
            return self.finish(refused, &cors);
        }
        let response = match self.transport {
            Transport::Streamable => self.streamable(req, env, auth).await?,
            Transport::LegacySse => self.legacy(req, env, auth).await?,
        };
        self.finish(response, &cors)
    }

    async fn streamable(&self, mut req: Request, env: &Env, auth: Option<&str>) -> worker::Result<Response> {
        let accept = req.headers().get("accept")?.unwrap_or_default();
        let session = req.headers().get("mcp-session-id")?;
        match req.method() {
            Method::Post => {
                if !(accepts(&accept, "application/json") && accepts(&accept, "text/event-stream")) {
                    let message = "Not Acceptable: Client must accept both application/json and text/event-stream";
                    return rpc_error(406, -32000, message);
                }
                let body = match self.read_body(&mut req).await? {
                    Ok(body) => body,
                    Err(response) => return Ok(response),
                };
                let parsed = match parse_body(&body) {
                    Ok(parsed) => parsed,
                    Err(error) => return json_reply(400, &error, ""),
                };
                let session = match session {
                    // The server issues session ids: one a client picks could be
                    // planted on another client (session fixation).
                    Some(_) if is_initialize(&parsed) => {
                        let message = "Bad Request: initialize must not carry an Mcp-Session-Id; the server issues it";
                        return rpc_error(400, -32600, message);
                    }
                    Some(id) if is_session_id(&id) => id,
                    Some(_) => return session_not_found(),
                    None if is_initialize(&parsed) => new_session_id(),
                    None => return rpc_error(400, -32000, "Bad Request: Mcp-Session-Id header is required"),
                };
                self.forward(env, auth, &req, STREAMABLE, &session, Some(body)).await
            }
            Method::Get | Method::Delete => {
                if req.method() == Method::Get && !accepts(&accept, "text/event-stream") {
                    return rpc_error(406, -32000, "Not Acceptable: Client must accept text/event-stream");
                }
                match session {
                    Some(id) if is_session_id(&id) => self.forward(env, auth, &req, STREAMABLE, &id, None).await,
                    Some(_) => session_not_found(),
                    None => rpc_error(400, -32000, "Bad Request: Mcp-Session-Id header is required"),
                }
            }
            _ => {
                let response = rpc_error(405, -32000, "Method not allowed")?;
                response.headers().set("allow", "GET, POST, DELETE")?;
                Ok(response)
            }
        }
    }

    async fn legacy(&self, mut req: Request, env: &Env, auth: Option<&str>) -> worker::Result<Response> {
        let path = req.path();
        let is_stream = path.trim_end_matches('/') == self.path;
        match req.method() {
            Method::Get if is_stream => {
                let session = new_session_id();
                self.forward(env, auth, &req, LEGACY_SSE, &session, None).await
            }
            Method::Post if !is_stream => {
                let url = req.url()?;
                let session = url.query_pairs().find(|(k, _)| k == "sessionId").map(|(_, v)| v.into_owned());
                let Some(session) = session else {
                    return rpc_error(400, -32000, "Bad Request: sessionId query parameter is required");
                };
                if !is_session_id(&session) {
                    return session_not_found();
                }
                let body = match self.read_body(&mut req).await? {
                    Ok(body) => body,
                    Err(response) => return Ok(response),
                };
                self.forward(env, auth, &req, LEGACY_SSE, &session, Some(body)).await
            }
            _ => rpc_error(405, -32000, "Method not allowed"),
        }
    }

    /// The body as text, or the 413/415/400 response refusing it.
    async fn read_body(&self, req: &mut Request) -> worker::Result<Result<String, Response>> {
        let content_type = req.headers().get("content-type")?.unwrap_or_default();
        if !content_type.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json") {
            return Ok(Err(rpc_error(415, -32000, "Unsupported Media Type: Content-Type must be application/json")?));
        }
        match crate::body::read_text(req, self.max_body).await {
            Ok(text) => Ok(Ok(text)),
            Err(refused @ BodyError::TooLarge { .. }) => Ok(Err(rpc_error(413, -32000, &refused.to_string())?)),
            Err(BodyError::NotUtf8) => Ok(Err(rpc_error(400, -32700, "Parse error: body is not UTF-8")?)),
            Err(refused) => Ok(Err(rpc_error(400, -32000, &refused.to_string())?)),
        }
    }

    async fn forward(
        &self,
        env: &Env,
        auth: Option<&str>,
        req: &Request,
        transport: &str,
        session: &str,
        body: Option<String>,
    ) -> worker::Result<Response> {
        let headers = Headers::new();
        for (key, value) in req.headers().entries() {
            if !key.starts_with("x-agents-") {
                headers.append(&key, &value)?;
            }
        }
        headers.set(MCP_HEADER, transport)?;
        headers.set(MCP_SESSION_HEADER, session)?;
        headers.set(MCP_ENDPOINT_HEADER, &self.message_path())?;
        if let Some(auth) = auth {
            headers.set(crate::auth::AUTH_HEADER, auth)?;
        }
        let mut init = RequestInit::new();
        init.with_method(req.method()).with_headers(headers).with_body(body.map(Into::into));
        let url = req.url()?;
        let forwarded = Request::new_with_init(url.as_str(), &init)?;
        let name = instance_name(transport, session);
        let stub = env.durable_object(&self.binding)?.id_from_name(&name)?.get_stub()?;
        stub.fetch_with_request(forwarded).await
    }

    /// Adds the CORS headers an allowed foreign origin needs.
    fn finish(&self, response: Response, cors: &Cors) -> worker::Result<Response> {
        let allow = match cors {
            _ if !self.cors => return Ok(response),
            Cors::SameOrigin => return Ok(response),
            Cors::Origin(origin) => origin.as_str(),
            Cors::Any => "*",
        };
        let mut headers = CORS.to_vec();
        headers.push(("access-control-allow-origin", allow));
        headers.push(("vary", "origin"));
        crate::router::with_headers(response, &headers)
    }
}

/// Whether a body is a single `initialize` request (the only message that may open a session).
fn is_initialize(body: &Body) -> bool {
    matches!(body, Body::Single(Message::Request { method, .. }) if method == "initialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_have_one_shape() {
        assert!(is_session_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_session_id("0123456789ABCDEF0123456789abcdef"));
        assert!(!is_session_id("../../etc"));
        assert!(!is_session_id(""));
        assert_eq!(instance_name("sse", "ab"), "sse:ab");
        let id = "0123456789abcdef0123456789abcdef";
        assert!(is_session_instance(&instance_name(STREAMABLE, id)));
        assert!(is_session_instance(&instance_name(LEGACY_SSE, id)));
        assert!(!is_session_instance(&format!("other:{id}")));
        assert!(!is_session_instance("sse:xyz") && !is_session_instance(id));
    }

    #[test]
    fn only_a_single_initialize_opens_a_session() {
        let init = |text: &str| is_initialize(&parse_body(text).unwrap());
        assert!(init(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#));
        assert!(!init(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#));
        assert!(!init(r#"[{"jsonrpc":"2.0","id":1,"method":"initialize"}]"#));
        assert!(!init(r#"{"jsonrpc":"2.0","method":"initialize"}"#));
    }

    #[test]
    fn matches_its_paths() {
        let endpoint = McpEndpoint::new("/mcp", "X", Transport::Streamable);
        assert!(endpoint.matches("/mcp") && endpoint.matches("/mcp/"));
        assert!(!endpoint.matches("/mcp/message") && !endpoint.matches("/mcpx"));
        let sse = McpEndpoint::new("sse", "X", Transport::LegacySse);
        assert!(sse.matches("/sse") && sse.matches("/sse/message"));
        assert!(!sse.matches("/sse/other"));
    }
}
