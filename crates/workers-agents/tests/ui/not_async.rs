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
    fn increment(&self, by: i64) -> Result<i64> {
        Ok(by)
    }
}

fn main() {}
