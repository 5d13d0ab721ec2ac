//! The Rust benchmark worker: the demo's `BenchAgent` alone, so that bundle
//! size and start-up compare like for like with bench/ts.

#[path = "../../../src/agents/bench.rs"]
mod bench;

use bench::BenchAgent;
use worker::{event, Context, Env, Request, Response, Result};
use workers_agents::AgentRouter;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match AgentRouter::new().agent::<BenchAgent>().route(req, &env).await? {
        Some(response) => Ok(response),
        None => Response::error("Not found", 404),
    }
}
