//! The demo's agents.

mod ai_probe;
mod assistant;
mod bench;
mod chat;
mod conformance;
mod counter;
mod jobs;
mod mcp_conformance;
mod mcp_counter;
mod mcp_notes;
mod mcp_probe;
mod probe;
mod reminders;

pub(crate) use ai_probe::AiProbe;
pub(crate) use assistant::Assistant;
pub(crate) use bench::BenchAgent;
pub(crate) use chat::ChatRoom;
pub(crate) use conformance::{TestCallableAgent, TestStateAgent};
pub(crate) use counter::Counter;
pub(crate) use jobs::Jobs;
pub(crate) use mcp_conformance::ConformanceMcp;
pub(crate) use mcp_counter::CounterMcp;
pub(crate) use mcp_notes::NotesMcp;
pub(crate) use mcp_probe::McpProbe;
pub(crate) use probe::Probe;
pub(crate) use reminders::Reminders;
