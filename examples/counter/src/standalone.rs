//! The example as a worker by itself (feature `standalone`).

use worker::{event, Context, Env, Request, Response, Result};
use workers_agents::AgentRouter;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    for endpoint in crate::mcp_endpoints(&env) {
        if endpoint.matches(&req.path()) {
            return endpoint.route(req, &env).await?.map_or_else(|| Response::error("Not found", 404), Ok);
        }
    }
    if let Some(rest) = req.path().strip_prefix(crate::API_PREFIX) {
        return crate::api(rest, &env).await;
    }
    match crate::private_names(crate::agents(AgentRouter::new())).route(req, &env).await? {
        Some(response) => Ok(response),
        None => Response::error("Not found", 404),
    }
}
