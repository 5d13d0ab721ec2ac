//! What `#[agent]` records of an agent for its TypeScript declarations:
//! its class, its state's schema, and its callable methods. Pure.

use serde_json::Value;

/// One agent, as its clients see it.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentDescription {
    /// The Durable Object class name (`export_agent!`'s, e.g. `Counter`).
    pub class: &'static str,
    /// The doc comment of the agent's `impl` block (may be empty).
    pub doc: String,
    /// The JSON Schema of `Agent::State` (`{}` when it has no [`Schema`](super::Schema)).
    pub state: Value,
    /// The callable methods, in the order declared.
    pub methods: Vec<MethodDescription>,
}

/// One callable method.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodDescription {
    /// Its wire name (`setCount`).
    pub name: &'static str,
    /// Its doc comment (may be empty).
    pub doc: String,
    /// Its arguments, in order.
    pub params: Vec<ParamDescription>,
    /// The JSON Schema of its result (`{"type": "null"}` for `()`).
    pub result: Value,
    /// Whether it streams (`#[callable(streaming)]`): chunks come before the result.
    pub streaming: bool,
}

/// One argument of a callable method.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDescription {
    /// The Rust argument's name.
    pub name: &'static str,
    /// Its JSON Schema.
    pub schema: Value,
    /// Whether it may be left out (an `Option`).
    pub optional: bool,
}

/// An agent that can describe itself for TypeScript declarations;
/// `#[agent]` implements it.
pub trait Describe {
    /// The agent's class, state schema and callables.
    fn describe() -> AgentDescription;
}
