//! The example as a worker by itself (feature `standalone`).

use worker::{event, Context, Env, Request, Response, Result};
use workers_agents::{AgentRouter, Routed};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match crate::mount(AgentRouter::new(), &env).handle(req, &env).await? {
        Routed::Response(response) => Ok(response),
        Routed::Unrouted(_) => Response::error("Not found", 404),
    }
}
