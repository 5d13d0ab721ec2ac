//! Test fixture: drives the Workers AI path of `ChatModel` (the `AI`
//! binding; a stand-in service in the tests) with and without streaming,
//! with AI Gateway options, and a missing binding.

use serde::Deserialize;
use worker::Env;
use workers_agents::ai::{stream_reply, ChatMessage, ChatModel, ChatRequest, Gateway, Provider};
use workers_agents::{export_agent, Agent, Callables, Context};

pub(crate) struct AiProbe;

type Ctx = Context<AiProbe>;

#[derive(Deserialize)]
struct Options {
    binding: Option<String>,
    stream: bool,
    gateway: Option<String>,
}

impl AiProbe {
    async fn workers_ai(&self, ctx: &Ctx, (prompt, options): (String, Options)) -> Result<String, String> {
        let mut model =
            ChatModel::workers_ai(options.binding.as_deref().unwrap_or("AI"), "@cf/meta/llama-3.1-8b-instruct");
        if let Some(id) = options.gateway {
            let gateway = Gateway { id, skip_cache: Some(true), cache_ttl: Some(120) };
            model.provider = Provider::WorkersAi { binding: "AI".into(), gateway: Some(gateway) };
        }
        let request = ChatRequest::new(vec![ChatMessage::user(prompt)]);
        if !options.stream {
            return model.complete(ctx.env(), &request).await.map(|r| r.text).map_err(|e| e.to_string());
        }
        let reply = stream_reply(ctx, &model, "probe", &request, |_| {}, |_| {}).await.map_err(|e| e.to_string())?;
        match reply.error {
            Some(error) => Err(format!("{error} (stored {:?}: {:?})", reply.message.status, reply.message.content)),
            None => Ok(reply.message.content),
        }
    }
}

impl Agent for AiProbe {
    type State = ();

    fn new(_env: &Env) -> Self {
        AiProbe
    }

    fn initial_state(&self) {}

    fn callables() -> Callables<Self> {
        Callables::new().method("workersAi", Self::workers_ai)
    }
}

export_agent!(AiProbe);
