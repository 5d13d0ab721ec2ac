//! Model Context Protocol server agents (in progress: the JSON-RPC core).

pub mod jsonrpc;
