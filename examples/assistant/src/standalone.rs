//! The example as a worker by itself (feature `standalone`).

use worker::{event, Context, Env, Request, Response, Result};
use workers_agents::AgentRouter;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match crate::agents(AgentRouter::new()).route(req, &env).await? {
        Some(response) => Ok(response),
        None => Response::error("Not found", 404),
    }
}
