//! Example: a travel agent for the official `useAgentChat` hook, with tools
//! of the three kinds (the seed's human-in-the-loop example).
//!
//! [`TravelAgent`] at `/agents/travel-agent/{name}`: the configured model
//! ([`ChatModel::from_env`](workers_agents::ai::ChatModel::from_env)) with
//! `search_flights` (runs on the server), `get_user_location` (runs in the
//! browser) and `book_flight` (runs once the user approves; the booking is
//! stored in SQL), up to [`MAX_STEPS`] model calls a turn; `bookings()`
//! lists what was booked.
//!
//! With the default `standalone` feature the crate is a worker by itself;
//! without it, another worker mounts the agent with [`mount`].

pub mod flights;
#[cfg(feature = "standalone")]
mod standalone;
mod travel;

pub use travel::{Booking, BookingRequest, Route, TravelAgent, MAX_STEPS, SYSTEM_PROMPT};

use worker::Env;
use workers_agents::AgentRouter;

/// Adds the travel agent to `router` (`/{prefix}/travel-agent/{name}`).
pub fn mount(router: AgentRouter, _env: &Env) -> AgentRouter {
    router.agent::<TravelAgent>()
}
