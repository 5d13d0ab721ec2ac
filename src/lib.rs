//! The demo worker: the example agents served together — a counter and its
//! MCP face, a chat room, reminders, an MCP notes server and an assistant —
//! with a demo of routing hooks (auth for `private-*` instances, from the
//! counter example).

use worker::{event, Context, Env, Request, Response, Result};
use workers_agents::mcp::McpEndpoint;
use workers_agents::AgentRouter;

fn router() -> AgentRouter {
    let router =
        [example_assistant::agents, example_counter::agents, example_chat_room::agents, example_reminders::agents]
            .into_iter()
            .fold(AgentRouter::new(), |router, mount| mount(router));
    example_counter::private_names(router)
}

/// The counter MCP server at `/mcp` and `/sse`, notes at `/notes/mcp` and
/// `/notes/sse`; both check hosts when the `MCP_ALLOWED_HOSTS` var is set.
fn mcp_endpoints(env: &Env) -> Vec<McpEndpoint> {
    let mut endpoints = example_counter::mcp_endpoints(env);
    endpoints.extend(example_mcp_notes::mcp_endpoints(env));
    endpoints
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    if req.path() == "/" {
        return Response::ok("workers-agents demo: connect to /agents/counter/{name} or /agents/chat-room/{name}\n");
    }
    for endpoint in mcp_endpoints(&env) {
        if endpoint.matches(&req.path()) {
            return endpoint.route(req, &env).await?.map_or_else(|| Response::error("Not found", 404), Ok);
        }
    }
    if let Some(rest) = req.path().strip_prefix(example_counter::API_PREFIX) {
        return example_counter::api(rest, &env).await;
    }
    let rooms = example_chat_room::rooms_router();
    if rooms.matches(&req.path()) {
        return rooms.route(req, &env).await?.map_or_else(|| Response::error("Not found", 404), Ok);
    }
    let router = router();
    let under_agents = router.owns(&req.path());
    if let Some(response) = router.route(req, &env).await? {
        return Ok(response);
    }
    // Every /agents/* answer carries CORS, the worker's own 404 included.
    let not_found = Response::error("Not found", 404)?;
    if under_agents {
        router.finish(not_found)
    } else {
        Ok(not_found)
    }
}
