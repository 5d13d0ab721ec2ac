//! Worker-side calls into a counter: `POST /api/counter/{name}/increment`
//! (and `.../call-missing`, which calls a method the counter does not have).

use worker::{Env, Response, Result};
use workers_agents::get_agent_by_name;

use crate::Counter;

/// Where [`api`] is served.
pub const API_PREFIX: &str = "/api/counter/";

/// Answers a path under [`API_PREFIX`]; `rest` is what follows it (`{name}/{action}`).
pub async fn api(rest: &str, env: &Env) -> Result<Response> {
    let (name, action) = rest.split_once('/').unwrap_or((rest, ""));
    let counter = get_agent_by_name::<Counter>(env, name)?;
    match action {
        "increment" => {
            let count: i64 = counter.call("increment", vec![serde_json::json!(1)]).await?;
            Response::from_json(&serde_json::json!({ "count": count }))
        }
        "call-missing" => {
            let outcome: workers_agents::Result<i64> = counter.call("missing", vec![]).await;
            match outcome {
                Ok(_) => Response::error("unexpected success", 500),
                Err(e) => Response::error(e.to_string(), 500),
            }
        }
        _ => Response::error("Not found", 404),
    }
}
