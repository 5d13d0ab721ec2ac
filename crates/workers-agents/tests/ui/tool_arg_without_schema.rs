use serde::{Deserialize, Serialize};
use workers_agents::prelude::*;

#[derive(Clone, Serialize, Deserialize)]
pub struct Count {
    n: i64,
}

#[derive(Deserialize)]
pub struct Point {
    x: i64,
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

    /// Moves to a point.
    #[tool]
    async fn go(&self, to: Point) -> Result<ToolResult> {
        Ok(ToolResult::text(to.x.to_string()))
    }
}

fn main() {}
