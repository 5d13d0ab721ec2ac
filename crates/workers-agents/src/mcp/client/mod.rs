//! Agents as MCP clients: the rules a client follows to reach a remote MCP
//! server. Today the pure parts: how it finds where to log in
//! ([`discovery`]).

mod challenge;
pub mod discovery;
