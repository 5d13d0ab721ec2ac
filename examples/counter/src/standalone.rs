//! The example as a worker by itself (feature `standalone`).

use worker::{event, Context, Env, Request, Response, Result};
use workers_agents::{AgentRouter, Routed};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let req = match crate::private_names(crate::mount(AgentRouter::new(), &env)).handle(req, &env).await? {
        Routed::Response(response) => return Ok(response),
        Routed::Unrouted(req) => req,
    };
    match req.path().strip_prefix(crate::API_PREFIX) {
        Some(rest) => crate::api(&req, rest, &env).await,
        None => Response::error("Not found", 404),
    }
}
