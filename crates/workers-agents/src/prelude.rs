//! Temporary prelude (replaced by the error-story branch).
pub use crate::{
    agent, callable, prompt, resource, task, tool, Agent, Connection, Context, Error, Result, Schema, StateSource,
    StreamingResponse, When,
};
