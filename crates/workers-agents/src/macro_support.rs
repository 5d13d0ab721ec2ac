//! What the code `#[agent]` and `#[derive(Schema)]` generate names: the
//! crates it needs through this one, and the checks that turn a wrong type
//! into an error that says what to do, at the type.

pub use serde;
pub use serde_json::{json, Map, Value};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// An argument of a callable method.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a callable method: it is not `serde::Deserialize`",
    label = "arguments are decoded from the caller's JSON",
    note = "derive `serde::Deserialize` for it, or take a type that implements it"
)]
pub trait CallableArg {}
impl<T: DeserializeOwned> CallableArg for T {}

/// The result of a callable method.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the result of a callable method: it is not `serde::Serialize`",
    label = "results are sent to the caller as JSON",
    note = "derive `serde::Serialize` for it"
)]
pub trait CallableResult {}
impl<T: Serialize> CallableResult for T {}

/// A typed stub's argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is an argument of a callable, so its typed stub sends it as JSON, but it is not `serde::Serialize`",
    label = "the stub encodes this argument",
    note = "derive `serde::Serialize` for it, or leave the method out of the stub with `#[callable(stub = false)]`"
)]
pub trait StubArg {}
impl<T: Serialize> StubArg for T {}

/// A typed stub's result.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is the result of a callable, so its typed stub decodes it, but it cannot be decoded into an owned value",
    label = "the stub decodes this result",
    note = "return an owned type (`String` rather than `&str`) that derives `serde::Deserialize`, or leave the method out of the stub with `#[callable(stub = false)]`"
)]
pub trait StubResult {}
impl<T: DeserializeOwned> StubResult for T {}

/// A task's payload.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a task's payload: it must be `serde::Serialize` and `serde::Deserialize`",
    label = "payloads are stored as JSON with the schedule",
    note = "derive both for it"
)]
pub trait TaskPayload {}
impl<T: Serialize + DeserializeOwned> TaskPayload for T {}

/// An argument of an MCP tool.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of an MCP tool: it needs `workers_agents::Schema` and `serde::Deserialize`",
    label = "the tool's input schema is made from this type",
    note = "derive both for it: `#[derive(Deserialize, Schema)]`"
)]
pub trait ToolArg {}
impl<T: DeserializeOwned + crate::Schema> ToolArg for T {}

/// Checks that `T` may be a callable's argument.
pub fn callable_arg<T: CallableArg>() {}
/// Checks that `T` may be a callable's result.
pub fn callable_result<T: CallableResult>() {}
/// Checks that `T` may be a typed stub's argument.
pub fn stub_arg<T: StubArg>() {}
/// Checks that `T` may be a typed stub's result.
pub fn stub_result<T: StubResult>() {}
/// Checks that `T` may be a task's payload.
pub fn task_payload<T: TaskPayload>() {}
/// Checks that `T` may be an MCP tool's argument.
pub fn tool_arg<T: ToolArg>() {}
