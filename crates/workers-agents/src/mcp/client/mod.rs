//! Agents as MCP clients: the rules a client agent follows to reach remote
//! MCP servers. Today the pure parts: how it finds where to log in
//! ([`discovery`]), its registration and tokens ([`login`]), what it tells
//! its front end about its servers ([`servers`]) and the messages of a
//! session ([`session`]).

mod challenge;
pub mod discovery;
pub mod login;
pub mod servers;
pub mod session;
