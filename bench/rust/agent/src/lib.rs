//! `BenchAgent`: the same interface as the TypeScript reference in
//! bench/ts/src/index.ts, so one driver measures both. Served by the
//! benchmark worker (bench/rust) and by the test fixture.

mod bench;

pub use bench::{BenchAgent, BenchState};

use worker::Env;
use workers_agents::AgentRouter;

/// Adds the benchmark agent to `router` (`/{prefix}/bench-agent/{name}`).
pub fn mount(router: AgentRouter, _env: &Env) -> AgentRouter {
    router.agent::<BenchAgent>()
}
