use serde::{Deserialize, Serialize};
use workers_agents::prelude::*;

#[derive(Clone, Serialize, Deserialize)]
pub struct Count {
    n: i64,
}

pub struct Counter;

#[agent]
impl Agent for Counter {
    type State = Count;
    fn new(_env: &worker::Env) -> Self {
        Counter
    }
    fn initial_state(&self) -> Count {
        Count { n: 0 }
    }

    #[callable]
    async fn increment(&self, ctx: &Context<Self>, by: i64) -> Result<i64> {
        ctx.update_state(|s| s.n += by)?;
        Ok(ctx.state()?.n)
    }
}

pub async fn call(env: &worker::Env) -> Result<i64> {
    workers_agents::get_agent_by_name::<Counter>(env, "c1")?.increment("one").await
}

fn main() {}
