//! Test fixture: an MCP server with the odd cases the suites drive —
//! progress and log notifications, a failing and a panicking tool, a slow
//! tool that notices cancellation, questions to the client (sampling,
//! elicitation), a stream the server drops mid-call, resource-update
//! notifications, and enough tools to need two pages.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use worker::Env;
use workers_agents::mcp::{McpServer, NoArgs, Peer, Resource, ResourceContents, ResourceRequest, Tool, ToolResult};
use workers_agents::{export_agent, Agent, Context};

#[derive(Deserialize)]
struct Echo {
    text: String,
}

#[derive(Deserialize)]
struct Steps {
    steps: u32,
}

#[derive(Deserialize)]
struct Wait {
    ms: u64,
}

#[derive(Deserialize)]
struct Uri {
    uri: String,
}

pub(crate) struct McpProbe;

type Ctx = Context<McpProbe>;

/// Extra tools, so `tools/list` needs a second page.
const FILLER_TOOLS: usize = 102;

impl McpProbe {
    async fn echo(&self, _ctx: &Ctx, Echo { text }: Echo) -> Result<ToolResult, String> {
        Ok(ToolResult::text(text))
    }

    async fn progress(&self, _ctx: &Ctx, peer: Peer, Steps { steps }: Steps) -> Result<ToolResult, String> {
        for step in 1..=steps {
            peer.log("info", Some("probe"), json!(format!("step {step}")));
            peer.progress(f64::from(step), Some(f64::from(steps)), Some(&format!("step {step}")));
            worker::Delay::from(Duration::from_millis(20)).await;
        }
        Ok(ToolResult::text(format!("done after {steps} steps")))
    }

    async fn fail(&self, _ctx: &Ctx, _: NoArgs) -> Result<ToolResult, String> {
        Err("the probe failed on purpose".into())
    }

    async fn panic(&self, _ctx: &Ctx, _: NoArgs) -> Result<ToolResult, String> {
        panic!("probe tool panicked on purpose")
    }

    async fn slow(&self, _ctx: &Ctx, peer: Peer, Wait { ms }: Wait) -> Result<ToolResult, String> {
        let mut waited = 0;
        while waited < ms && !peer.is_cancelled() {
            worker::Delay::from(Duration::from_millis(50)).await;
            waited += 50;
        }
        Ok(ToolResult::text(format!("waited {waited} ms")))
    }

    async fn ask(&self, _ctx: &Ctx, peer: Peer, Echo { text }: Echo) -> Result<ToolResult, String> {
        let params = json!({
            "messages": [{ "role": "user", "content": { "type": "text", "text": text } }],
            "maxTokens": 50
        });
        let sampled = peer.create_message(params).await.map_err(|e| e.message)?;
        let said = sampled.pointer("/content/text").and_then(|t| t.as_str()).unwrap_or_default().to_owned();
        let schema = json!({ "type": "object", "properties": { "ok": { "type": "boolean" } } });
        let confirmed = peer.elicit(&format!("Send {said:?}?"), schema).await.map_err(|e| e.message)?;
        Ok(ToolResult::text(format!("model said {said:?}; user: {}", confirmed["action"])))
    }

    async fn drop_stream(&self, _ctx: &Ctx, peer: Peer, _: NoArgs) -> Result<ToolResult, String> {
        peer.notify("notifications/message", json!({ "level": "info", "data": "before the drop" }));
        peer.close_stream();
        worker::Delay::from(Duration::from_millis(100)).await;
        peer.notify("notifications/message", json!({ "level": "info", "data": "after the drop" }));
        Ok(ToolResult::text("finished while disconnected"))
    }

    async fn touch(&self, ctx: &Ctx, Uri { uri }: Uri) -> Result<ToolResult, String> {
        let sent = ctx.mcp_resource_updated(&uri);
        Ok(ToolResult::text(if sent { "notified" } else { "not notified" }))
    }

    async fn watched(&self, _ctx: &Ctx, req: ResourceRequest) -> Result<ResourceContents, String> {
        Ok(ResourceContents::text(req.uri, "text/plain", "watched"))
    }

    async fn filler(&self, _ctx: &Ctx, _: NoArgs) -> Result<ToolResult, String> {
        Ok(ToolResult::text("filler"))
    }
}

impl Agent for McpProbe {
    type State = ();

    fn new(_env: &Env) -> Self {
        McpProbe
    }

    fn initial_state(&self) {}

    fn mcp_server() -> Option<McpServer<Self>> {
        let object = |properties: serde_json::Value, required: &[&str]| json!({ "type": "object", "properties": properties, "required": required });
        let mut server = McpServer::new("Probe", "0.1.0")
            .keep_alive(Duration::from_millis(300))
            .tool(
                Tool::new("echo", "Echo text").input_schema(object(json!({"text": {"type": "string"}}), &["text"])),
                Self::echo,
            )
            .tool_with_peer(
                Tool::new("progress", "Report progress").input_schema(object(
                    json!({"steps": {"type": "integer", "minimum": 1, "maximum": 20}}),
                    &["steps"],
                )),
                Self::progress,
            )
            .tool(Tool::new("fail", "Fail"), Self::fail)
            .tool(Tool::new("panic", "Panic"), Self::panic)
            .tool_with_peer(
                Tool::new("slow", "Wait, unless cancelled")
                    .input_schema(object(json!({"ms": {"type": "integer"}}), &["ms"])),
                Self::slow,
            )
            .tool_with_peer(
                Tool::new("ask", "Ask the client's model, then the user")
                    .input_schema(object(json!({"text": {"type": "string"}}), &["text"])),
                Self::ask,
            )
            .tool_with_peer(Tool::new("drop_stream", "Drop the stream, then finish"), Self::drop_stream)
            .tool(
                Tool::new("touch", "Notify subscribers that a resource changed")
                    .input_schema(object(json!({"uri": {"type": "string"}}), &["uri"])),
                Self::touch,
            )
            .resource(Resource::new("watched", "probe://watched"), Self::watched);
        for i in 0..FILLER_TOOLS {
            server = server.tool(Tool::new(&format!("filler_{i:03}"), "Filler"), Self::filler);
        }
        Some(server)
    }
}

export_agent!(McpProbe);
