//! The endpoint [`AgentStub::call`](crate::AgentStub::call) reaches: a
//! callable run for another agent or the worker, answered as JSON.

use serde_json::Value;
use worker::{Request, Response};

use super::dispatch::run_callable;
use crate::host::js_text::request_text;
use crate::{Agent, Context};

/// Every header the framework adds to its own requests into an agent
/// starts with this; the router refuses outside requests that carry one.
pub(crate) const INTERNAL_HEADER_PREFIX: &str = "x-agents-";
/// Path of the internal HTTP endpoint that [`AgentStub::call`](crate::AgentStub::call) uses.
pub(crate) const INTERNAL_RPC_PATH: &str = "/__agents/rpc";
/// Header marking a request as an internal RPC call.
pub(crate) const INTERNAL_RPC_HEADER: &str = "x-agents-rpc";

#[derive(serde::Deserialize)]
struct InternalCall {
    method: String,
    #[serde(default)]
    args: Vec<Value>,
}

#[derive(serde::Serialize)]
struct InternalAnswer<'a> {
    result: Option<&'a serde_json::value::RawValue>,
}

pub(super) async fn answer<A: Agent>(ctx: &Context<A>, req: Request) -> worker::Result<Response> {
    let call: InternalCall = match serde_json::from_str(&request_text(&req).await?) {
        Ok(call) => call,
        Err(e) => return Response::error(format!("Invalid internal RPC body: {e}"), 400),
    };
    match run_callable(ctx, None, &call.method, call.args).await {
        Ok(result) => Response::from_json(&InternalAnswer { result: result.as_deref() }),
        Err(error) => Ok(Response::from_json(&serde_json::json!({ "error": error }))?.with_status(500)),
    }
}

/// Whether `req` is a stub's call (its path and marker header).
pub(super) fn is_internal_call(req: &Request) -> worker::Result<bool> {
    Ok(req.path() == INTERNAL_RPC_PATH && req.headers().has(INTERNAL_RPC_HEADER)?)
}
