//! The Rust benchmark worker: `BenchAgent` alone, so that bundle size and
//! start-up compare like for like with bench/ts.
//!
//! With the default `standalone` feature the crate is the worker itself;
//! without it, another worker (the test fixture) mounts the agent with [`agents`].

mod bench;
#[cfg(feature = "standalone")]
mod standalone;

pub use bench::{BenchAgent, BenchState};

use workers_agents::AgentRouter;

/// Adds the benchmark agent to `router` (`/{prefix}/bench-agent/{name}`).
pub fn agents(router: AgentRouter) -> AgentRouter {
    router.agent::<BenchAgent>()
}
