//! The chat benchmark worker: `BenchChat`, a chat agent for `useAgentChat`
//! whose every turn is the default one — the configured model (the
//! benchmark's OpenAI-compatible stand-in) streamed to the client and stored.
//! The same agent as bench/chat/ts, so one driver (bench/chat.mjs) measures
//! both.

use worker::{event, Context, Env, Request, Response, Result};
use workers_agents::chat::Chat;
use workers_agents::prelude::*;
use workers_agents::{AgentRouter, Routed};

/// A chat agent with the default turn: the model from `ChatModel::from_env`.
#[derive(Debug)]
pub struct BenchChat;

#[agent]
impl Agent for BenchChat {
    type State = ();

    fn new(_env: &Env) -> Self {
        BenchChat
    }

    fn initial_state(&self) {}

    fn chat() -> Option<Chat> {
        Some(Chat::new())
    }

    /// Stores `count` chunks of `body` as a reply's chunks are stored (the
    /// benchmark's storage cost per chunk).
    #[callable]
    async fn store_chunks(
        &self,
        ctx: &workers_agents::Context<Self>,
        count: u32,
        body: String,
    ) -> workers_agents::Result<()> {
        workers_agents::chat::bench_store_chunks(ctx, u64::from(count), &body)
    }
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match AgentRouter::new().agent::<BenchChat>().handle(req, &env).await? {
        Routed::Response(response) => Ok(response),
        Routed::Unrouted(_) => Response::error("Not found", 404),
    }
}
