use serde::{Deserialize, Serialize};
use workers_agents::prelude::*;

#[derive(Clone, Serialize, Deserialize)]
pub struct Count {
    n: i64,
}

pub struct Counter;

#[derive(Serialize)]
pub struct Opaque;

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
    async fn take(&self, value: Opaque) -> Result<i64> {
        let _ = value;
        Ok(1)
    }
}

fn main() {}
