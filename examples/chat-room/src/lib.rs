//! Example: a chat room agent.
//!
//! [`ChatRoom`] at `/agents/chat-room/{name}`: messages stored in the agent's
//! SQLite and broadcast to every connection (`send` over RPC, or a plain
//! `{"type":"chat",...}` frame), who is online in the synced state, and the
//! history over HTTP (`GET .../history?limit=`); the rooms are mounted a
//! second time, at `/rooms/chat-room/{name}` without CORS.
//!
//! With the default `standalone` feature the crate is a worker by itself;
//! without it, another worker mounts the room with [`mount`].

mod chat_room;
#[cfg(feature = "standalone")]
mod standalone;

pub use chat_room::{ChatRoom, RoomState};

use worker::Env;
use workers_agents::AgentRouter;

/// Adds the chat room agent to `router` (`/{prefix}/chat-room/{name}`), and
/// a second mount of the rooms at `/rooms/chat-room/{name}`, without CORS.
pub fn mount(router: AgentRouter, _env: &Env) -> AgentRouter {
    router.agent::<ChatRoom>().mount(AgentRouter::new().prefix("/rooms/").cors(false).agent::<ChatRoom>())
}
