use serde::{Deserialize, Serialize};
use workers_agents::prelude::*;

#[derive(Clone, Serialize, Deserialize)]
pub struct Count {
    n: i64,
}

pub struct Counter;

impl Agent for Counter {
    type State = Count;
    fn new(_env: &worker::Env) -> Self {
        Counter
    }
    fn initial_state(&self) -> Count {
        Count { n: 0 }
    }
}

impl Counter {
    #[callable]
    async fn get(&self) -> Result<i64> {
        Ok(1)
    }
}

workers_agents::export_agent!(Counter);

fn main() {}
