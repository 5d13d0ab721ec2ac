//! The demo worker: the example agents served together — a counter and its
//! MCP face, a chat room, reminders, an MCP notes server, an assistant, a
//! travel agent (for `useAgentChat`), and an MCP server behind OAuth with its
//! login page —
//! with a demo of routing hooks (auth for `private-*` instances, from the
//! counter example).

use worker::{event, Context, Env, Request, Response, Result};
use workers_agents::{AgentRouter, Routed};

/// Every example's agents and MCP endpoints, behind the counter's auth hooks
/// (the chat rooms' second mount too).
fn router(env: &Env) -> AgentRouter {
    let router = [
        example_assistant::mount,
        example_counter::mount,
        |router, env: &Env| example_chat_room::mount_guarded(router, env, example_counter::private_names),
        example_reminders::mount,
        example_mcp_notes::mount,
        example_travel::mount,
    ]
    .into_iter()
    .fold(AgentRouter::new(), |router, mount| mount(router, env));
    example_counter::private_names(router)
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    // The OAuth provider's endpoints, the login page and `/secure/*` first.
    let req = match example_secure_mcp::serve(req, &env).await? {
        Ok(response) => return Ok(response),
        Err(req) => req,
    };
    let req = match router(&env).handle(req, &env).await? {
        Routed::Response(response) => return Ok(response),
        Routed::Unrouted(req) => req,
    };
    let path = req.path();
    if path == "/" {
        return Response::ok("workers-agents demo: connect to /agents/counter/{name} or /agents/chat-room/{name}\n");
    }
    match path.strip_prefix(example_counter::API_PREFIX) {
        Some(rest) => example_counter::api(&req, rest, &env).await,
        None => Response::error("Not found", 404),
    }
}
