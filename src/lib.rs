//! Demo worker for the `workers-agents` framework: a counter, a chat room,
//! and a probe agent the test suites drive.

mod agents;

use agents::{
    AiProbe, Assistant, BenchAgent, ChatRoom, ConformanceMcp, Counter, CounterMcp, Jobs, McpProbe, NotesMcp, Probe,
    Reminders, TestCallableAgent, TestStateAgent,
};
use worker::{event, Context, Env, Request, Response, Result};
use workers_agents::mcp::McpEndpoint;
use workers_agents::{get_agent_by_name, AgentRouter, Before, Routed};

fn router() -> AgentRouter {
    AgentRouter::new()
        .agent::<Assistant>()
        .agent::<AiProbe>()
        .agent::<Counter>()
        .agent::<ChatRoom>()
        .agent::<Probe>()
        .agent::<Jobs>()
        .agent::<Reminders>()
        .agent::<TestStateAgent>()
        .agent::<TestCallableAgent>()
        .agent::<BenchAgent>()
        .on_before_connect(|req, target| async move {
            // Demo auth: instances named `private-*` need `?token=letmein`.
            let allowed = !target.name.starts_with("private-")
                || req.url()?.query_pairs().any(|(k, v)| k == "token" && v == "letmein");
            Ok(if allowed { Before::Continue(req) } else { Before::Respond(Response::error("Unauthorized", 401)?) })
        })
        .on_before_request(|req, target| async move {
            if !target.name.starts_with("private-") {
                return Ok(Before::Continue(req));
            }
            if req.headers().get("authorization")?.as_deref() != Some("Bearer letmein") {
                return Ok(Before::Respond(Response::error("Unauthorized", 401)?));
            }
            // Rewrite: tell the agent who the caller is.
            let req = Request::new_with_init(req.url()?.as_ref(), &authenticated(&req)?)?;
            Ok(Before::Continue(req))
        })
}

/// The request's method and headers plus `x-demo-user`, for the agent.
fn authenticated(req: &Request) -> Result<worker::RequestInit> {
    // Incoming headers are immutable: copy them.
    let headers = worker::Headers::new();
    for (key, value) in req.headers().entries() {
        headers.append(&key, &value)?;
    }
    headers.set("x-demo-user", "letmein-user")?;
    let mut init = worker::RequestInit::new();
    init.with_method(req.method()).with_headers(headers);
    Ok(init)
}

/// MCP servers: the seed's counter at `/mcp` and `/sse`, notes at
/// `/notes/mcp` and `/notes/sse`, the test probe at `/probe/mcp` and
/// `/probe/sse`, the conformance fixture at `/conformance/mcp`; chat rooms
/// also at `/rooms/chat-room/{name}`, without CORS.
///
/// DNS-rebinding protection: the conformance fixture serves only local hosts
/// plus those in the `MCP_ALLOWED_HOSTS` var (comma-separated); the other
/// servers check hosts only when that var is set.
fn routes(env: &Env) -> AgentRouter {
    let extra: Vec<String> = env
        .var("MCP_ALLOWED_HOSTS")
        .map(|v| v.to_string().split(',').map(|h| h.trim().to_owned()).filter(|h| !h.is_empty()).collect())
        .unwrap_or_default();
    let mut local: Vec<String> = ["localhost", "127.0.0.1", "[::1]"].map(String::from).to_vec();
    local.extend(extra.iter().cloned());
    let demo_hosts = if extra.is_empty() { Vec::new() } else { local.clone() };
    router()
        .mcp(McpEndpoint::streamable_http::<CounterMcp>("/mcp").allowed_hosts(&demo_hosts))
        .mcp(McpEndpoint::sse::<CounterMcp>("/sse").allowed_hosts(&demo_hosts))
        .mcp(McpEndpoint::streamable_http::<NotesMcp>("/notes/mcp").allowed_hosts(&demo_hosts))
        .mcp(McpEndpoint::sse::<NotesMcp>("/notes/sse").allowed_hosts(&demo_hosts))
        .mcp(McpEndpoint::streamable_http::<McpProbe>("/probe/mcp").max_body_bytes(64 * 1024))
        .mcp(McpEndpoint::sse::<McpProbe>("/probe/sse"))
        .mcp(McpEndpoint::streamable_http::<ConformanceMcp>("/conformance/mcp").allowed_hosts(&local))
        .mount(AgentRouter::new().prefix("/rooms/").cors(false).agent::<ChatRoom>())
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let req = match routes(&env).handle(req, &env).await? {
        Routed::Response(response) => return Ok(response),
        Routed::Unrouted(req) => req,
    };
    let path = req.path();
    if path == "/" {
        return Response::ok("workers-agents demo: connect to /agents/counter/{name} or /agents/chat-room/{name}\n");
    }
    if let Some(rest) = path.strip_prefix("/api/counter/") {
        return counter_api(rest, &env).await;
    }
    // Custom routing to one agent, as the official client suites expect.
    if let Some(name) = path.strip_prefix("/custom-state/") {
        return get_agent_by_name::<TestStateAgent>(&env, name)?.fetch(req).await.map_err(Into::into);
    }
    if path == "/user" {
        return get_agent_by_name::<TestStateAgent>(&env, "auth-user")?.fetch(req).await.map_err(Into::into);
    }
    Response::error("Not found", 404)
}

/// Worker-side calls into an agent: `POST /api/counter/{name}/increment`.
async fn counter_api(rest: &str, env: &Env) -> Result<Response> {
    let (name, action) = rest.split_once('/').unwrap_or((rest, ""));
    let counter = get_agent_by_name::<Counter>(env, name)?;
    match action {
        "increment" => {
            let count: i64 = counter.call("increment", vec![serde_json::json!(1)]).await?;
            Response::from_json(&serde_json::json!({ "count": count }))
        }
        "call-missing" => {
            let outcome: workers_agents::Result<i64> = counter.call("missing", vec![]).await;
            match outcome {
                Ok(_) => Response::error("unexpected success", 500),
                Err(e) => Response::error(e.to_string(), 500),
            }
        }
        _ => Response::error("Not found", 404),
    }
}
