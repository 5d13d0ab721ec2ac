//! Test fixture: drives the Workers AI path of `ChatModel` (the `AI`
//! binding; a stand-in service in the tests) with and without streaming,
//! with AI Gateway options, and a missing binding; and tool calls from the
//! configured (OpenAI-compatible) provider.

use serde::Deserialize;
use serde_json::json;
use worker::Env;
use workers_agents::ai::{
    stream_reply, ChatMessage, ChatModel, ChatRequest, Gateway, Provider, ToolCall, ToolDefinition,
};
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

impl AiProbe {
    /// Offers the model a `lookup` tool; returns the calls it made (streamed and not).
    async fn tool_calls(&self, ctx: &Ctx, (prompt,): (String,)) -> Result<(Vec<ToolCall>, Vec<ToolCall>), String> {
        let model = ChatModel::from_env(ctx.env()).map_err(|e| e.to_string())?;
        let lookup = ToolDefinition {
            name: "lookup".into(),
            description: "Look a term up".into(),
            parameters: json!({ "type": "object", "properties": { "q": { "type": "string" } }, "required": ["q"] }),
        };
        let request = ChatRequest {
            tools: vec![lookup],
            temperature: Some(0.0),
            ..ChatRequest::new(vec![ChatMessage::user(prompt)])
        };
        let streamed = stream_reply(ctx, &model, "tools", &request, |_| {}, |_| {}).await.map_err(|e| e.to_string())?;
        let complete = model.complete(ctx.env(), &request).await.map_err(|e| e.to_string())?;
        Ok((streamed.tool_calls, complete.tool_calls))
    }
}

impl Agent for AiProbe {
    type State = ();

    fn new(_env: &Env) -> Self {
        AiProbe
    }

    fn initial_state(&self) {}

    fn callables() -> Callables<Self> {
        Callables::new().method("workersAi", Self::workers_ai).method("toolCalls", Self::tool_calls)
    }
}

export_agent!(AiProbe);
