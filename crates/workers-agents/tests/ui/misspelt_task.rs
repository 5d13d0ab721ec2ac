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

    #[task]
    async fn fire(&self, ctx: &Context<Self>, times: u32) -> Result<()> {
        let _ = (ctx, times);
        Ok(())
    }

    #[callable]
    async fn arm(&self, ctx: &Context<Self>) -> Result<()> {
        ctx.schedule(When::Delay(1000), Self::FIER, &3).await?;
        Ok(())
    }
}

fn main() {}
