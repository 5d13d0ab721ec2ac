//! Temporary prelude (replaced by the error-story branch).
pub use crate::{agent, Agent, Connection, Context, Error, Result, Schema, StateSource, StreamingResponse, When};
