//! The example as a worker by itself (feature `standalone`).

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    for endpoint in crate::mcp_endpoints(&env) {
        if endpoint.matches(&req.path()) {
            return endpoint.route(req, &env).await?.map_or_else(|| Response::error("Not found", 404), Ok);
        }
    }
    Response::error("Not found", 404)
}
