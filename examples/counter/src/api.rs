//! Worker-side calls into a counter: `POST /api/counter/{name}/increment`
//! (and `.../call-missing`, which calls a method the counter does not have).
//! The worker reaches the instance itself, past the router's hooks, so it
//! checks the same auth ([`crate::auth`]) before it does.

use worker::{Env, Method, Request, Response, Result};
use workers_agents::get_agent_by_name;

use crate::auth::{bearer_admits, is_private};
use crate::Counter;

/// Where [`api`] is served.
pub const API_PREFIX: &str = "/api/counter/";

/// Longest instance name the api takes, in bytes.
const MAX_API_NAME_BYTES: usize = 64;

/// Answers a path under [`API_PREFIX`]; `rest` is what follows it (`{name}/{action}`).
pub async fn api(req: &Request, rest: &str, env: &Env) -> Result<Response> {
    let (name, action) = rest.split_once('/').unwrap_or((rest, ""));
    if let Err(why) = check_name(name) {
        return Response::error(why, 400);
    }
    if !matches!(action, "increment" | "call-missing") {
        return Response::error("Not found", 404);
    }
    if req.method() != Method::Post {
        return Response::error("Use POST", 405);
    }
    if is_private(name) && !bearer_admits(req)? {
        return Response::error("Unauthorized", 401);
    }
    let counter = get_agent_by_name::<Counter>(env, name)?;
    if action == "increment" {
        let count = counter.increment(Some(1)).await?;
        return Response::from_json(&serde_json::json!({ "count": count }));
    }
    let outcome: workers_agents::Result<i64> = counter.call("missing", vec![]).await;
    match outcome {
        Ok(_) => Response::error("unexpected success", 500),
        Err(e) => Response::error(e.to_string(), 500),
    }
}

/// Names here are taken as they stand in the path, where the router decodes
/// `%XX`: only plain names (letters, digits, `-`, `_`, `.`) name the same
/// instance both ways, so the auth check sees the name the router would.
fn check_name(name: &str) -> std::result::Result<(), String> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || name.len() > MAX_API_NAME_BYTES {
        return Err(format!("A counter name must be at most {MAX_API_NAME_BYTES} bytes, and not empty"));
    }
    if !name.chars().all(plain) {
        return Err("Counter names here are letters, digits, '-', '_' and '.'".into());
    }
    Ok(())
}
