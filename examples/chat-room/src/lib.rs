//! Example: a chat room agent.
//!
//! [`ChatRoom`] at `/agents/chat-room/{name}`: messages stored in the agent's
//! SQLite and broadcast to every connection (`send` over RPC, or a plain
//! `{"type":"chat",...}` frame), who is online in the synced state, and the
//! history over HTTP (`GET .../history?limit=`). [`rooms_router`] mounts the
//! rooms a second time, at `/rooms/chat-room/{name}` without CORS.
//!
//! With the default `standalone` feature the crate is a worker by itself;
//! without it, another worker mounts the room with [`agents`] and [`rooms_router`].

mod chat_room;
#[cfg(feature = "standalone")]
mod standalone;

pub use chat_room::{ChatRoom, RoomState};

use workers_agents::AgentRouter;

/// Adds the chat room agent to `router` (`/{prefix}/chat-room/{name}`).
pub fn agents(router: AgentRouter) -> AgentRouter {
    router.agent::<ChatRoom>()
}

/// A second mount of the rooms: `/rooms/chat-room/{name}`, without CORS.
pub fn rooms_router() -> AgentRouter {
    AgentRouter::new().prefix("/rooms/").cors(false).agent::<ChatRoom>()
}
