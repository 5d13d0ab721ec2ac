//! Example: a chat room agent.
//!
//! [`ChatRoom`] at `/agents/chat-room/{name}`: messages stored in the agent's
//! SQLite and broadcast to every connection (`send` over RPC, or a plain
//! `{"type":"chat",...}` frame), who is online in the synced state, and the
//! history over HTTP (`GET .../history?limit=`); the rooms are mounted a
//! second time, at `/rooms/chat-room/{name}` without CORS.
//!
//! With the default `standalone` feature the crate is a worker by itself;
//! without it, another worker mounts the room with [`mount`] (or
//! [`mount_guarded`], to put its routing hooks on the second mount too).

mod chat_room;
#[cfg(feature = "standalone")]
mod standalone;

pub use chat_room::{ChatMessage, ChatRoom, RoomState};

use worker::Env;
use workers_agents::AgentRouter;

/// Adds the chat room agent to `router` (`/{prefix}/chat-room/{name}`), and
/// a second mount of the rooms at `/rooms/chat-room/{name}`, without CORS.
pub fn mount(router: AgentRouter, env: &Env) -> AgentRouter {
    mount_guarded(router, env, |rooms| rooms)
}

/// [`mount`], with `guard` adding hooks to the second mount's router. A mount
/// keeps its own hooks, and its rooms are the same instances as the first
/// prefix's: a worker whose router checks auth passes the same hooks here, or
/// `/rooms/` would reach its private rooms unchecked.
pub fn mount_guarded(router: AgentRouter, _env: &Env, guard: fn(AgentRouter) -> AgentRouter) -> AgentRouter {
    router.agent::<ChatRoom>().mount(guard(AgentRouter::new().prefix("/rooms/").cors(false).agent::<ChatRoom>()))
}
