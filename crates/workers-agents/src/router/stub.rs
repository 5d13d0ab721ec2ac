//! Handles on agent instances for the worker or another agent: HTTP and
//! typed calls of their callable methods.

use worker::{Env, Headers, Method, Request, RequestInit, Response, Stub};

use crate::protocol::{INTERNAL_HEADER_PREFIX, INTERNAL_RPC_HEADER, INTERNAL_RPC_PATH};
use crate::{Agent, Error, Result};

pub(crate) fn stub_for(env: &Env, binding: &str, name: &str) -> worker::Result<Stub> {
    env.durable_object(binding)?.id_from_name(name)?.get_stub()
}

/// A handle to one agent instance, for the worker or another agent.
pub struct AgentStub {
    stub: Stub,
    name: String,
}

/// The instance `name` of agent `A` (the TS SDK's `getAgentByName`): its
/// typed stub when `A` is declared with `#[agent]` (`CounterStub`, with a
/// method per callable: `get_agent_by_name::<Counter>(&env, "c1")?.increment(1).await?`),
/// else an [`AgentStub`]. Either way [`AgentStub`]'s methods are there.
pub fn get_agent_by_name<A: Agent>(env: &Env, name: &str) -> Result<A::Stub> {
    Ok(get_agent_by_binding(env, A::CLASS_NAME, name)?.into())
}

/// The instance `name` of the agent bound as `binding`.
pub fn get_agent_by_binding(env: &Env, binding: &str, name: &str) -> Result<AgentStub> {
    Ok(AgentStub { stub: stub_for(env, binding, name)?, name: name.to_owned() })
}

impl AgentStub {
    /// The instance name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sends an HTTP request to the instance (its `on_request`, or a
    /// WebSocket upgrade). Headers starting with `x-agents-` (the
    /// framework's own) are removed first: a client's request forwarded by a
    /// custom route cannot pose as an internal call.
    pub async fn fetch(&self, req: Request) -> Result<Response> {
        Ok(self.stub.fetch_with_request(without_internal_headers(req)?).await?)
    }

    /// Calls one of the instance's callable methods, as a client would.
    pub async fn call<R: serde::de::DeserializeOwned>(&self, method: &str, args: Vec<serde_json::Value>) -> Result<R> {
        self.call_with(method, &args).await
    }

    /// [`call`](Self::call) with the arguments as anything that serializes
    /// to a JSON array (a tuple: `&(1, "x")`); typed stubs call this.
    pub async fn call_with<R, Args>(&self, method: &str, args: &Args) -> Result<R>
    where
        R: serde::de::DeserializeOwned,
        Args: serde::Serialize + ?Sized,
    {
        #[derive(serde::Serialize)]
        struct Call<'a, Args: ?Sized> {
            method: &'a str,
            args: &'a Args,
        }
        let body = serde_json::to_string(&Call { method, args }).map_err(|e| Error::json("call arguments", e))?;
        let headers = Headers::new();
        headers.set(INTERNAL_RPC_HEADER, "1")?;
        headers.set("content-type", "application/json")?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
        let url = format!("https://agent{INTERNAL_RPC_PATH}");
        let mut response = self.stub.fetch_with_request(Request::new_with_init(&url, &init)?).await?;
        let reply: serde_json::Value = response.json().await?;
        if let Some(error) = reply.get("error").and_then(|e| e.as_str()) {
            return Err(Error::Call { method: method.to_owned(), message: error.to_owned() });
        }
        let result = reply.get("result").cloned().unwrap_or(serde_json::Value::Null);
        serde_json::from_value(result).map_err(|e| Error::json("call result", e))
    }
}

/// `req` without the framework's internal headers (copied only when it has some).
fn without_internal_headers(req: Request) -> worker::Result<Request> {
    let internal: Vec<String> = req.headers().keys().filter(|k| k.starts_with(INTERNAL_HEADER_PREFIX)).collect();
    if internal.is_empty() {
        return Ok(req);
    }
    // Incoming headers are immutable: copy the request, body included.
    let mut copy = req.clone_mut()?;
    let headers = copy.headers_mut()?;
    for name in internal {
        headers.delete(&name)?;
    }
    Ok(copy)
}

impl std::fmt::Debug for AgentStub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentStub").field("name", &self.name).finish_non_exhaustive()
    }
}
