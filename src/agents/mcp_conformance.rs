//! The fixture of the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`): every tool, resource and prompt its
//! server scenarios call by name, built on the framework's MCP features.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};
use worker::Env;
use workers_agents::mcp::{
    CompletionRef, CompletionRequest, Content, McpServer, NoArgs, Peer, Prompt, PromptMessage, PromptResult, Resource,
    ResourceContents, ResourceRequest, Role, Tool, ToolResult,
};
use workers_agents::{export_agent, Agent, Context};

/// A 1×1 red PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// A WAV header with no samples.
const WAV: &str = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";

pub(crate) struct ConformanceMcp;

type Ctx = Context<ConformanceMcp>;
type Outcome = Result<ToolResult, String>;

#[derive(Deserialize)]
struct SamplingArgs {
    prompt: String,
}

#[derive(Deserialize)]
struct ElicitArgs {
    message: String,
}

#[derive(Deserialize)]
struct TwoArgs {
    arg1: String,
    arg2: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EmbedArgs {
    resource_uri: String,
}

async fn pause(ms: u64) {
    worker::Delay::from(Duration::from_millis(ms)).await;
}

fn image() -> Content {
    Content::Image { data: PNG.into(), mime_type: "image/png".into() }
}

fn elicitation_summary(prefix: &str, answer: &Value) -> String {
    let action = answer.get("action").and_then(Value::as_str).unwrap_or("unknown");
    let content = answer.get("content").cloned().unwrap_or(Value::Null);
    format!("{prefix}: action={action}, content={content}")
}

impl ConformanceMcp {
    async fn simple_text(&self, _: &Ctx, _: NoArgs) -> Outcome {
        Ok(ToolResult::text("This is a simple text response for testing."))
    }

    async fn image_content(&self, _: &Ctx, _: NoArgs) -> Outcome {
        Ok(ToolResult::content(vec![image()]))
    }

    async fn audio_content(&self, _: &Ctx, _: NoArgs) -> Outcome {
        Ok(ToolResult::content(vec![Content::Audio { data: WAV.into(), mime_type: "audio/wav".into() }]))
    }

    async fn embedded_resource(&self, _: &Ctx, _: NoArgs) -> Outcome {
        let resource =
            ResourceContents::text("test://embedded-resource", "text/plain", "This is an embedded resource content.");
        Ok(ToolResult::content(vec![Content::Resource { resource }]))
    }

    async fn multiple_content_types(&self, _: &Ctx, _: NoArgs) -> Outcome {
        let resource = ResourceContents::text(
            "test://mixed-content-resource",
            "application/json",
            json!({"test": "data", "value": 123}).to_string(),
        );
        Ok(ToolResult::content(vec![
            Content::text("Multiple content types test:"),
            image(),
            Content::Resource { resource },
        ]))
    }

    async fn with_logging(&self, _: &Ctx, peer: Peer, _: NoArgs) -> Outcome {
        peer.log("info", Some("conformance"), json!("Tool execution started"));
        pause(50).await;
        peer.log("info", Some("conformance"), json!("Tool processing data"));
        pause(50).await;
        peer.log("info", Some("conformance"), json!("Tool execution completed"));
        Ok(ToolResult::text("Tool with logging executed successfully"))
    }

    async fn error_handling(&self, _: &Ctx, _: NoArgs) -> Outcome {
        Err("This tool intentionally returns an error for testing".into())
    }

    async fn with_progress(&self, _: &Ctx, peer: Peer, _: NoArgs) -> Outcome {
        for (step, progress) in [0.0, 50.0, 100.0].into_iter().enumerate() {
            if step > 0 {
                pause(50).await;
            }
            peer.progress(progress, Some(100.0), None);
        }
        Ok(ToolResult::text("Tool with progress executed successfully"))
    }

    async fn sampling(&self, _: &Ctx, peer: Peer, SamplingArgs { prompt }: SamplingArgs) -> Outcome {
        let params = json!({
            "messages": [{ "role": "user", "content": { "type": "text", "text": prompt } }],
            "maxTokens": 100
        });
        let answer = peer.create_message(params).await.map_err(|e| e.message)?;
        let text = answer.pointer("/content/text").and_then(Value::as_str).unwrap_or_default();
        Ok(ToolResult::text(format!("LLM response: {text}")))
    }

    async fn elicitation(&self, _: &Ctx, peer: Peer, ElicitArgs { message }: ElicitArgs) -> Outcome {
        let schema = json!({
            "type": "object",
            "properties": {
                "username": { "type": "string", "description": "User's response" },
                "email": { "type": "string", "description": "User's email address" }
            },
            "required": ["username", "email"]
        });
        let answer = peer.elicit(&message, schema).await.map_err(|e| e.message)?;
        Ok(ToolResult::text(elicitation_summary("User response", &answer)))
    }

    async fn elicitation_defaults(&self, _: &Ctx, peer: Peer, _: NoArgs) -> Outcome {
        let schema = json!({
            "type": "object",
            "properties": {
                "name": { "type": "string", "description": "User name", "default": "John Doe" },
                "age": { "type": "integer", "description": "User age", "default": 30 },
                "score": { "type": "number", "description": "User score", "default": 95.5 },
                "status": {
                    "type": "string",
                    "description": "User status",
                    "enum": ["active", "inactive", "pending"],
                    "default": "active"
                },
                "verified": { "type": "boolean", "description": "Verification status", "default": true }
            }
        });
        let answer = peer
            .elicit("Please review and update the form fields with defaults", schema)
            .await
            .map_err(|e| e.message)?;
        Ok(ToolResult::text(elicitation_summary("Elicitation completed", &answer)))
    }

    async fn elicitation_enums(&self, _: &Ctx, peer: Peer, _: NoArgs) -> Outcome {
        let schema = json!({
            "type": "object",
            "properties": {
                "untitledSingle": { "type": "string", "enum": ["option1", "option2", "option3"] },
                "titledSingle": {
                    "type": "string",
                    "oneOf": [
                        { "const": "value1", "title": "First Option" },
                        { "const": "value2", "title": "Second Option" },
                        { "const": "value3", "title": "Third Option" }
                    ]
                },
                "legacyEnum": {
                    "type": "string",
                    "enum": ["opt1", "opt2", "opt3"],
                    "enumNames": ["Option One", "Option Two", "Option Three"]
                },
                "untitledMulti": {
                    "type": "array",
                    "items": { "type": "string", "enum": ["option1", "option2", "option3"] }
                },
                "titledMulti": {
                    "type": "array",
                    "items": {
                        "anyOf": [
                            { "const": "value1", "title": "First Choice" },
                            { "const": "value2", "title": "Second Choice" },
                            { "const": "value3", "title": "Third Choice" }
                        ]
                    }
                }
            }
        });
        let answer = peer.elicit("Please choose from the enum fields", schema).await.map_err(|e| e.message)?;
        Ok(ToolResult::text(elicitation_summary("Elicitation completed", &answer)))
    }

    async fn json_schema_2020_12(&self, _: &Ctx, args: Value) -> Outcome {
        Ok(ToolResult::text(format!("Received: {args}")))
    }

    async fn reconnection(&self, _: &Ctx, peer: Peer, _: NoArgs) -> Outcome {
        // Close the client's stream mid-call; it resumes with Last-Event-ID.
        pause(50).await;
        peer.close_stream();
        pause(300).await;
        Ok(ToolResult::text("Reconnection test completed"))
    }

    async fn static_text(&self, _: &Ctx, req: ResourceRequest) -> Result<ResourceContents, String> {
        Ok(ResourceContents::text(req.uri, "text/plain", "This is the content of the static text resource."))
    }

    async fn static_binary(&self, _: &Ctx, req: ResourceRequest) -> Result<ResourceContents, String> {
        Ok(ResourceContents::blob(req.uri, "image/png", PNG))
    }

    async fn template_data(&self, _: &Ctx, req: ResourceRequest) -> Result<ResourceContents, String> {
        let id = req.params.get("id").cloned().unwrap_or_default();
        let body = json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") });
        Ok(ResourceContents::text(req.uri, "application/json", body.to_string()))
    }

    async fn watched(&self, _: &Ctx, req: ResourceRequest) -> Result<ResourceContents, String> {
        Ok(ResourceContents::text(req.uri, "text/plain", "Watched resource content"))
    }

    async fn simple_prompt(&self, _: &Ctx, _: NoArgs) -> Result<PromptResult, String> {
        Ok(PromptResult::new(vec![PromptMessage::user("This is a simple prompt for testing.")]))
    }

    async fn prompt_with_arguments(&self, _: &Ctx, TwoArgs { arg1, arg2 }: TwoArgs) -> Result<PromptResult, String> {
        Ok(PromptResult::new(vec![PromptMessage::user(format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"))]))
    }

    async fn prompt_with_embedded_resource(&self, _: &Ctx, args: EmbedArgs) -> Result<PromptResult, String> {
        let resource =
            ResourceContents::text(args.resource_uri, "text/plain", "Embedded resource content for testing.");
        Ok(PromptResult::new(vec![
            PromptMessage { role: Role::User, content: Content::Resource { resource } },
            PromptMessage::user("Please process the embedded resource above."),
        ]))
    }

    async fn prompt_with_image(&self, _: &Ctx, _: NoArgs) -> Result<PromptResult, String> {
        Ok(PromptResult::new(vec![
            PromptMessage { role: Role::User, content: image() },
            PromptMessage::user("Please analyze the image above."),
        ]))
    }

    async fn complete(&self, _: &Ctx, req: CompletionRequest) -> Result<Vec<String>, String> {
        let words = ["paris", "park", "party", "hello", "world"];
        Ok(words.iter().filter(|w| w.starts_with(&req.value)).map(|w| (*w).to_owned()).collect())
    }
}

fn no_args(name: &str, description: &str) -> Tool {
    Tool::new(name, description).input_schema(json!({ "type": "object", "properties": {} }))
}

fn one_string(name: &str, description: &str, field: &str, about: &str) -> Tool {
    Tool::new(name, description).input_schema(json!({
        "type": "object",
        "properties": { field: { "type": "string", "description": about } },
        "required": [field]
    }))
}

impl Agent for ConformanceMcp {
    type State = ();

    fn new(_env: &Env) -> Self {
        ConformanceMcp
    }

    fn initial_state(&self) {}

    fn mcp_server() -> Option<McpServer<Self>> {
        let schema_2020_12 = Tool::new("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features")
            .input_schema(json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "$defs": {
                    "address": {
                        "type": "object",
                        "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
                    }
                },
                "properties": { "name": { "type": "string" }, "address": { "$ref": "#/$defs/address" } },
                "additionalProperties": false
            }));
        let server = McpServer::new("workers-agents-conformance", "1.0.0")
            .tool(no_args("test_simple_text", "Returns simple text"), Self::simple_text)
            .tool(no_args("test_image_content", "Returns an image"), Self::image_content)
            .tool(no_args("test_audio_content", "Returns audio"), Self::audio_content)
            .tool(no_args("test_embedded_resource", "Returns an embedded resource"), Self::embedded_resource)
            .tool(
                no_args("test_multiple_content_types", "Returns text, image and resource"),
                Self::multiple_content_types,
            )
            .tool_with_peer(no_args("test_tool_with_logging", "Logs while running"), Self::with_logging)
            .tool(no_args("test_error_handling", "Always fails"), Self::error_handling)
            .tool_with_peer(no_args("test_tool_with_progress", "Reports progress"), Self::with_progress)
            .tool_with_peer(
                one_string("test_sampling", "Asks the client's model", "prompt", "The prompt"),
                Self::sampling,
            )
            .tool_with_peer(
                one_string("test_elicitation", "Asks the user", "message", "The message to show"),
                Self::elicitation,
            )
            .tool_with_peer(
                no_args("test_elicitation_sep1034_defaults", "Elicitation with defaults"),
                Self::elicitation_defaults,
            )
            .tool_with_peer(
                no_args("test_elicitation_sep1330_enums", "Elicitation with enums"),
                Self::elicitation_enums,
            )
            .tool(schema_2020_12, Self::json_schema_2020_12)
            .tool_with_peer(no_args("test_reconnection", "Closes its stream mid-call"), Self::reconnection)
            .resource(
                Resource::new("Static text", "test://static-text")
                    .description("A static text resource")
                    .mime_type("text/plain"),
                Self::static_text,
            )
            .resource(
                Resource::new("Static binary", "test://static-binary")
                    .description("A static PNG")
                    .mime_type("image/png"),
                Self::static_binary,
            )
            .resource(
                Resource::template("Template data", "test://template/{id}/data")
                    .description("Data by id")
                    .mime_type("application/json"),
                Self::template_data,
            )
            .resource(
                Resource::new("Watched", "test://watched-resource").description("Subscribable").mime_type("text/plain"),
                Self::watched,
            )
            .prompt(Prompt::new("test_simple_prompt", "A simple prompt"), Self::simple_prompt)
            .prompt(
                Prompt::new("test_prompt_with_arguments", "A prompt with arguments")
                    .argument("arg1", "First test argument", true)
                    .argument("arg2", "Second test argument", true),
                Self::prompt_with_arguments,
            )
            .prompt(
                Prompt::new("test_prompt_with_embedded_resource", "A prompt embedding a resource").argument(
                    "resourceUri",
                    "URI of the resource to embed",
                    true,
                ),
                Self::prompt_with_embedded_resource,
            )
            .prompt(Prompt::new("test_prompt_with_image", "A prompt with an image"), Self::prompt_with_image)
            .completion(CompletionRef::Prompt("test_prompt_with_arguments".into()), "arg1", Self::complete)
            .completion(CompletionRef::Resource("test://template/{id}/data".into()), "id", Self::complete);
        Some(server)
    }
}

export_agent!(ConformanceMcp);
