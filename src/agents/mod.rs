//! The demo's agents.

mod chat;
mod counter;
mod probe;

pub(crate) use chat::ChatRoom;
pub(crate) use counter::Counter;
pub(crate) use probe::Probe;
