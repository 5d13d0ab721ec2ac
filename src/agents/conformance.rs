//! The agents the official `agents` client test suites talk to
//! (cloudflare/agents `react-tests`), with the reference fixtures' behaviour.

use std::cell::RefCell;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Number, Value};
use worker::{Delay, Env, Request, Response};
use workers_agents::{export_agent, Agent, Callables, Context, StateSource, StreamingResponse};

/// One logged state change.
#[derive(Debug, Clone, Serialize)]
struct StateUpdate {
    state: Value,
    source: String,
}

/// State fixture: any JSON state, a log of changes, HTTP helpers.
pub(crate) struct TestStateAgent {
    updates: RefCell<Vec<StateUpdate>>,
}

impl Agent for TestStateAgent {
    /// The reference fixture's state is typed only in TypeScript; any JSON is accepted.
    type State = Value;

    fn new(_env: &Env) -> Self {
        TestStateAgent { updates: RefCell::new(Vec::new()) }
    }

    fn initial_state(&self) -> Value {
        json!({ "count": 0, "items": [], "lastUpdated": null })
    }

    fn on_state_update(&self, _ctx: &Context<Self>, state: &Value, source: StateSource<'_>) {
        let source = source.connection_id().unwrap_or("server").to_owned();
        self.updates.borrow_mut().push(StateUpdate { state: state.clone(), source });
    }

    async fn on_request(&self, ctx: &Context<Self>, mut req: Request) -> worker::Result<Response> {
        let path = req.path();
        let last = path.rsplit('/').next().unwrap_or_default().to_owned();
        match last.as_str() {
            "state" => Response::from_json(&json!({ "state": &*ctx.state()? })),
            "state-updates" => Response::from_json(&json!({ "updates": &*self.updates.borrow() })),
            "echo" => {
                let body = req.text().await?;
                Response::from_json(&json!({ "method": req.method().to_string(), "body": body, "path": last }))
            }
            "connections" => Response::from_json(&json!({ "count": ctx.connections().len() })),
            _ => Response::error("Not found", 404),
        }
    }
}

export_agent!(TestStateAgent);

/// Callable fixture: every RPC shape the client handles.
pub(crate) struct TestCallableAgent;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CallableState {
    value: i64,
}

type Ctx = Context<TestCallableAgent>;
type Res<T> = Result<T, String>;

async fn sleep(ms: u64) {
    Delay::from(Duration::from_millis(ms)).await;
}

impl TestCallableAgent {
    async fn add(&self, _ctx: &Ctx, (a, b): (Number, Number)) -> Res<Value> {
        Ok(match (a.as_i64(), b.as_i64()) {
            (Some(a), Some(b)) if a.checked_add(b).is_some() => json!(a + b),
            _ => json!(a.as_f64().unwrap_or(f64::NAN) + b.as_f64().unwrap_or(f64::NAN)),
        })
    }

    async fn async_method(&self, _ctx: &Ctx, (ms,): (u64,)) -> Res<&'static str> {
        sleep(ms).await;
        Ok("done")
    }

    async fn delayed_throw(&self, _ctx: &Ctx, (ms,): (u64,)) -> Res<()> {
        sleep(ms).await;
        Err("delayed failure".into())
    }

    async fn throw_error(&self, _ctx: &Ctx, (message,): (String,)) -> Res<()> {
        Err(message)
    }

    async fn hang(&self, _ctx: &Ctx, (): ()) -> Res<&'static str> {
        futures_pending().await;
        Ok("unreachable")
    }

    async fn close_connections_for_test(&self, ctx: &Ctx, (code, reason): (u16, String)) -> Res<usize> {
        let connections = ctx.connections();
        let count = connections.len();
        // Close on the next tick, after this reply has gone out.
        ctx.durable_object().wait_until(async move {
            sleep(0).await;
            for connection in connections {
                let _ = connection.close(code, &reason);
            }
        });
        Ok(count)
    }

    async fn void_method(&self, _ctx: &Ctx, (): ()) -> Res<()> {
        Ok(())
    }

    async fn return_null(&self, _ctx: &Ctx, (): ()) -> Res<Value> {
        Ok(Value::Null)
    }

    async fn stream_numbers(&self, _ctx: &Ctx, stream: StreamingResponse, (count,): (u32,)) -> Res<u32> {
        for i in 0..count {
            stream.send(&i).map_err(|e| e.to_string())?;
        }
        Ok(count)
    }

    async fn stream_with_delay(
        &self,
        _ctx: &Ctx,
        stream: StreamingResponse,
        (chunks, ms): (Vec<Value>, u64),
    ) -> Res<&'static str> {
        for chunk in chunks {
            sleep(ms).await;
            stream.send(&chunk).map_err(|e| e.to_string())?;
        }
        Ok("complete")
    }

    async fn stream_error(&self, _ctx: &Ctx, stream: StreamingResponse, (): ()) -> Res<()> {
        stream.send(&"chunk1").map_err(|e| e.to_string())?;
        Err("Stream failed".into())
    }

    async fn stream_graceful_error(&self, _ctx: &Ctx, stream: StreamingResponse, (): ()) -> Res<()> {
        stream.send(&"chunk1").map_err(|e| e.to_string())?;
        stream.error("Graceful error").map_err(|e| e.to_string())
    }

    async fn stream_double_close(&self, _ctx: &Ctx, stream: StreamingResponse, (): ()) -> Res<()> {
        let step = |r: workers_agents::Result<()>| r.map_err(|e| e.to_string());
        step(stream.send(&"chunk1"))?;
        step(stream.error("First close"))?;
        step(stream.end(&"ignored"))?;
        step(stream.send(&"also ignored"))?;
        step(stream.error("also ignored"))
    }

    async fn stream_throws_immediately(&self, _ctx: &Ctx, _stream: StreamingResponse, (): ()) -> Res<()> {
        Err("Immediate failure".into())
    }
}

/// A future that never completes.
fn futures_pending() -> std::future::Pending<()> {
    std::future::pending()
}

impl Agent for TestCallableAgent {
    type State = CallableState;

    fn new(_env: &Env) -> Self {
        TestCallableAgent
    }

    fn initial_state(&self) -> CallableState {
        CallableState { value: 0 }
    }

    fn callables() -> Callables<Self> {
        Callables::new()
            .method("add", Self::add)
            .method("asyncMethod", Self::async_method)
            .method("delayedThrow", Self::delayed_throw)
            .method("throwError", Self::throw_error)
            .method("hang", Self::hang)
            .method("closeConnectionsForTest", Self::close_connections_for_test)
            .method("voidMethod", Self::void_method)
            .method("returnNull", Self::return_null)
            .method("returnUndefined", Self::void_method)
            .streaming("streamNumbers", Self::stream_numbers)
            .streaming("streamWithDelay", Self::stream_with_delay)
            .streaming("streamError", Self::stream_error)
            .streaming("streamGracefulError", Self::stream_graceful_error)
            .streaming("streamDoubleClose", Self::stream_double_close)
            .streaming("streamThrowsImmediately", Self::stream_throws_immediately)
            .not_callable("privateMethod")
    }
}

export_agent!(TestCallableAgent);
