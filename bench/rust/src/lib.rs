//! The Rust benchmark worker: `BenchAgent` (bench/rust/agent) alone, so that
//! bundle size and start-up compare like for like with bench/ts.

use worker::{event, Context, Env, Request, Response, Result};
use workers_agents::AgentRouter;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match bench_agent::agents(AgentRouter::new()).route(req, &env).await? {
        Some(response) => Ok(response),
        None => Response::error("Not found", 404),
    }
}
