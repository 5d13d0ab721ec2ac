//! Methods clients may call. Nothing is callable unless it is registered in
//! [`Agent::callables`](crate::Agent::callables); arguments and results are typed.

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;
use worker::WebSocket;

use std::cell::Cell;
use std::rc::Rc;

use crate::protocol::frames::{rpc_error_frame, rpc_result_frame};
use crate::rpc::args::{encode_result, RpcArgs};
use crate::{Agent, Context, Error, Result};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;
/// What a method produced: its encoded result, or the error text for the client.
/// A method's result as JSON text (`None` for `()`), or its error.
pub(crate) type Outcome = std::result::Result<Option<Box<RawValue>>, String>;

type UnaryFn<A> = Box<dyn for<'a> Fn(&'a A, &'a Context<A>, Vec<Value>) -> BoxFuture<'a, Outcome>>;
type StreamFn<A> = Box<dyn for<'a> Fn(&'a A, &'a Context<A>, StreamingResponse, Vec<Value>) -> BoxFuture<'a, Outcome>>;

pub(crate) enum Handler<A: Agent> {
    Unary(UnaryFn<A>),
    Streaming(StreamFn<A>),
}

/// The registry of an agent's client-callable methods.
///
/// ```no_run
/// # use workers_agents::{export_agent, Agent, Callables, Context, StreamingResponse};
/// # pub struct Counter;
/// impl Counter {
///     async fn add(&self, _ctx: &Context<Self>, (a, b): (i64, i64)) -> Result<i64, String> {
///         Ok(a + b)
///     }
///
///     async fn count(&self, _ctx: &Context<Self>, stream: StreamingResponse, (n,): (u32,)) -> Result<u32, String> {
///         for i in 0..n {
///             stream.send(&i).await.map_err(|e| e.to_string())?;
///         }
///         Ok(n)
///     }
/// }
///
/// impl Agent for Counter {
///     type State = ();
///     fn new(_env: &worker::Env) -> Self { Counter }
///     fn initial_state(&self) {}
///     fn callables() -> Callables<Self> {
///         Callables::new().method("add", Self::add).streaming("count", Self::count)
///     }
/// }
/// # export_agent!(Counter);
/// # fn main() {}
/// ```
pub struct Callables<A: Agent> {
    handlers: HashMap<String, Handler<A>>,
    internal: Vec<String>,
}

impl<A: Agent> Default for Callables<A> {
    fn default() -> Self {
        Callables { handlers: HashMap::new(), internal: Vec::new() }
    }
}

fn unary<A: Agent, F>(f: F) -> UnaryFn<A>
where
    F: for<'a> Fn(&'a A, &'a Context<A>, Vec<Value>) -> BoxFuture<'a, Outcome> + 'static,
{
    Box::new(f)
}

fn streaming<A: Agent, F>(f: F) -> StreamFn<A>
where
    F: for<'a> Fn(&'a A, &'a Context<A>, StreamingResponse, Vec<Value>) -> BoxFuture<'a, Outcome> + 'static,
{
    Box::new(f)
}

impl<A: Agent> Callables<A> {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `f` as the callable method `name`. Its arguments are a tuple
    /// decoded from the client's `args`; its `Ok` value is the result and its
    /// `Err` text the client's error message — unless the error is one of
    /// the framework's internal ones (SQL, JSON, runtime: [`Error`](crate::Error)
    /// or `worker::Error`), which is logged while the client gets
    /// `Internal error (ref …)` with the reference of the log line.
    pub fn method<Args, R, E, F>(mut self, name: &str, f: F) -> Self
    where
        F: AsyncFn(&A, &Context<A>, Args) -> std::result::Result<R, E> + Copy + 'static,
        Args: RpcArgs + 'static,
        R: Serialize + 'static,
        E: Display + 'static,
    {
        let method = name.to_owned();
        let handler = unary(move |agent, ctx, args| {
            let method = method.clone();
            Box::pin(async move {
                let args = Args::from_args(&method, args)?;
                let value =
                    f(agent, ctx, args).await.map_err(|e| ctx.caller_message(&format!("method {method}"), &e))?;
                encode_result(&value)
            })
        });
        self.handlers.insert(name.to_owned(), Handler::Unary(handler));
        self
    }

    /// Registers a streaming method: it sends chunks through its
    /// [`StreamingResponse`] and its return value is the final frame.
    pub fn streaming<Args, R, E, F>(mut self, name: &str, f: F) -> Self
    where
        F: AsyncFn(&A, &Context<A>, StreamingResponse, Args) -> std::result::Result<R, E> + Copy + 'static,
        Args: RpcArgs + 'static,
        R: Serialize + 'static,
        E: Display + 'static,
    {
        let method = name.to_owned();
        let handler = streaming(move |agent, ctx, stream, args| {
            let method = method.clone();
            Box::pin(async move {
                let args = Args::from_args(&method, args)?;
                let value = f(agent, ctx, stream, args)
                    .await
                    .map_err(|e| ctx.caller_message(&format!("method {method}"), &e))?;
                encode_result(&value)
            })
        });
        self.handlers.insert(name.to_owned(), Handler::Streaming(handler));
        self
    }

    /// Names a method that exists but clients may not call: calling it gets
    /// the reference's "is not callable" error instead of "does not exist".
    pub fn not_callable(mut self, name: &str) -> Self {
        self.internal.push(name.to_owned());
        self
    }

    pub(crate) fn get(&self, name: &str) -> std::result::Result<&Handler<A>, String> {
        match self.handlers.get(name) {
            Some(handler) => Ok(handler),
            None if self.internal.iter().any(|n| n == name) => Err(format!("Method {name} is not callable")),
            None => Err(format!("Method {name} does not exist")),
        }
    }

    pub(crate) fn is_streaming(&self, name: &str) -> bool {
        matches!(self.handlers.get(name), Some(Handler::Streaming(_)))
    }

    /// The registered method names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.handlers.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

/// The sending side of a streaming RPC call.
///
/// `send` streams a chunk; the method's return value becomes the final frame,
/// unless the method ended the stream itself with `end` or `error`. Once the
/// stream is ended, further `send`, `end` and `error` calls do nothing.
#[derive(Debug, Clone)]
pub struct StreamingResponse {
    ws: WebSocket,
    id: String,
    closed: Rc<Cell<bool>>,
    sent: Rc<Cell<u64>>,
}

/// `StreamingResponse::send` waits for the next turn of the event loop
/// after this many chunks, so that one long stream lets the instance's
/// other events (frames, requests, alarms) in.
pub const YIELD_EVERY_CHUNKS: u64 = 32;

impl StreamingResponse {
    pub(crate) fn new(ws: WebSocket, id: String) -> Self {
        StreamingResponse { ws, id, closed: Rc::new(Cell::new(false)), sent: Rc::new(Cell::new(0)) }
    }

    /// The RPC call's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether `end` or `error` was called.
    pub fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Sends one chunk (`done: false`) to the caller. Every
    /// [`YIELD_EVERY_CHUNKS`] chunks it waits for the next turn of the
    /// event loop, so a long stream cannot hold the instance on its own.
    /// A closed socket refuses the chunk with an error: stop sending then.
    pub async fn send<T: Serialize>(&self, chunk: &T) -> Result<()> {
        self.send_now(chunk)?;
        let sent = self.sent.get() + 1;
        self.sent.set(sent);
        if sent.is_multiple_of(YIELD_EVERY_CHUNKS) {
            worker::Delay::from(std::time::Duration::ZERO).await;
        }
        Ok(())
    }

    /// [`send`](Self::send) without the pause, for code that cannot wait (a
    /// callback such as a model reply's `on_delta`).
    pub fn send_now<T: Serialize>(&self, chunk: &T) -> Result<()> {
        if self.is_closed() {
            return Ok(());
        }
        let value = serde_json::value::to_raw_value(chunk).map_err(|e| Error::json("stream chunk", e))?;
        self.write(&rpc_result_frame(&self.id, Some(&value), false))
    }

    /// Ends the stream with a final value (`done: true`).
    pub fn end<T: Serialize>(&self, value: &T) -> Result<()> {
        if self.closed.replace(true) {
            return Ok(());
        }
        let value = serde_json::value::to_raw_value(value).map_err(|e| Error::json("stream result", e))?;
        self.write(&rpc_result_frame(&self.id, Some(&value), true))
    }

    /// Ends the stream with an error frame.
    pub fn error(&self, message: &str) -> Result<()> {
        if self.closed.replace(true) {
            return Ok(());
        }
        self.write(&rpc_error_frame(&serde_json::Value::String(self.id.clone()), message))
    }

    fn write(&self, frame: &str) -> Result<()> {
        self.ws.send_with_str(frame).map_err(Error::from)
    }
}

impl<A: Agent> std::fmt::Debug for Callables<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callables").field("methods", &self.handlers.keys().collect::<Vec<_>>()).finish_non_exhaustive()
    }
}
