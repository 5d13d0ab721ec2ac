//! The Rust benchmark worker: `BenchAgent` (bench/rust/agent) alone, so that
//! bundle size and start-up compare like for like with bench/ts.

use worker::{event, Context, Env, Request, Response, Result};
use workers_agents::{AgentRouter, Routed};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match bench_agent::mount(AgentRouter::new(), &env).handle(req, &env).await? {
        Routed::Response(response) => Ok(response),
        Routed::Unrouted(_) => Response::error("Not found", 404),
    }
}
