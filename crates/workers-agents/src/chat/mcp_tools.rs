//! The tools of the agent's ready MCP servers in the chat loop, for
//! [`ChatTools::with_mcp`]: read from what `ctx.mcp_client()` stored (no
//! request made to offer them), named by
//! [`chat_tool_names`](crate::mcp::client::chat_names::chat_tool_names), run
//! with `tools/call` on their server. What the model is told of a call:
//! the result's `content` (and `structuredContent`); a result with
//! `isError` and a JSON-RPC error are the tool's error; an output over
//! [`MAX_MCP_TOOL_OUTPUT_BYTES`] is an error saying so.

use serde_json::{json, Map, Value};

use super::tools::{ChatTools, ToolOutcome};
use crate::ai::ToolDefinition;
use crate::{Agent, Context, Result};

/// Most bytes (as JSON text) of an MCP tool's output given to the model and
/// stored in the message.
pub const MAX_MCP_TOOL_OUTPUT_BYTES: usize = 256 * 1024;
/// Most characters of an MCP tool's error message kept.
const MAX_ERROR_CHARS: usize = 4_096;

/// One offered tool: the model's name for it, its server and its own name.
#[derive(Debug, Clone, PartialEq)]
struct Offered {
    name: String,
    server: String,
    tool: String,
}

/// The MCP tools offered in one turn.
#[derive(Debug, Default)]
pub(crate) struct McpTools {
    offered: Vec<Offered>,
}

impl McpTools {
    /// With `tools` asking for them ([`ChatTools::with_mcp`]): the tools of
    /// every ready server, added to `offer` (the request's tools, whose
    /// names they never take), at most
    /// [`MAX_MCP_CHAT_TOOLS`](crate::mcp::client::chat_names::MAX_MCP_CHAT_TOOLS).
    pub(crate) fn offer<A: Agent>(
        ctx: &Context<A>,
        tools: &ChatTools<A>,
        offer: &mut Vec<ToolDefinition>,
    ) -> Result<Self> {
        if !tools.offers_mcp() {
            return Ok(McpTools::default());
        }
        let servers = ctx.mcp_client().ready_tools()?;
        let (offered, definitions) = offered(&servers, offer.iter().map(|t| t.name.as_str()));
        offer.extend(definitions);
        Ok(McpTools { offered })
    }

    /// Whether `name` is one of these.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.offered.iter().any(|t| t.name == name)
    }

    /// Runs the tool the model calls `name` with `input` on its server.
    pub(crate) async fn run<A: Agent>(&self, ctx: &Context<A>, name: &str, input: Value) -> ToolOutcome {
        let Some(tool) = self.offered.iter().find(|t| t.name == name) else {
            return ToolOutcome::Error(format!("No tool named {name}"));
        };
        if !input.is_object() {
            return ToolOutcome::Error(format!("The arguments of {name} must be an object"));
        }
        match ctx.mcp_client().call_tool_json(&tool.server, &tool.tool, input).await {
            Ok(result) => outcome(result, MAX_MCP_TOOL_OUTPUT_BYTES),
            Err(e) => ToolOutcome::Error(bounded(&e.to_string())),
        }
    }
}

/// The tools of `servers` (id, stored tools) as offered: their names, none
/// of them in `reserved`, and their definitions. Items with no string
/// `name` are left out.
fn offered<'a>(
    servers: &[(String, Vec<Value>)],
    reserved: impl IntoIterator<Item = &'a str>,
) -> (Vec<Offered>, Vec<ToolDefinition>) {
    use crate::mcp::client::chat_names::{chat_tool_names, MAX_MCP_CHAT_TOOLS};
    let tools: Vec<(&str, &Value)> = servers
        .iter()
        .flat_map(|(server, tools)| tools.iter().map(move |tool| (server.as_str(), tool)))
        .filter(|(_, tool)| tool["name"].as_str().is_some_and(|n| !n.is_empty()))
        .take(MAX_MCP_CHAT_TOOLS)
        .collect();
    let pairs: Vec<(&str, &str)> = tools.iter().map(|(s, t)| (*s, t["name"].as_str().unwrap_or_default())).collect();
    let names = chat_tool_names(reserved, &pairs);
    let mut offered = Vec::with_capacity(tools.len());
    let mut definitions = Vec::with_capacity(tools.len());
    for ((server, tool), name) in tools.into_iter().zip(names) {
        definitions.push(definition(&name, tool));
        offered.push(Offered {
            name,
            server: server.to_owned(),
            tool: tool["name"].as_str().unwrap_or_default().into(),
        });
    }
    (offered, definitions)
}

/// The model's view of an MCP tool: its description (or title), and its
/// input schema (an object schema with no properties when it has none).
fn definition(name: &str, tool: &Value) -> ToolDefinition {
    let description = [&tool["description"], &tool["title"], &tool["annotations"]["title"]]
        .into_iter()
        .find_map(Value::as_str)
        .unwrap_or_default();
    let parameters = match &tool["inputSchema"] {
        Value::Object(schema) => Value::Object(schema.clone()),
        _ => json!({ "type": "object", "properties": {} }),
    };
    ToolDefinition { name: name.to_owned(), description: description.to_owned(), parameters }
}

/// What the model is told of a `tools/call` result.
fn outcome(result: Value, max_bytes: usize) -> ToolOutcome {
    if result["isError"] == Value::Bool(true) {
        let text = result["content"].as_array().and_then(|c| c.first()).filter(|c| c["type"] == "text");
        let text = text.and_then(|c| c["text"].as_str()).filter(|t| !t.is_empty());
        return ToolOutcome::Error(bounded(text.unwrap_or("Tool call failed")));
    }
    let mut output = Map::new();
    output.insert("content".into(), result.get("content").cloned().unwrap_or_else(|| json!([])));
    if let Some(structured) = result.get("structuredContent").filter(|s| !s.is_null()) {
        output.insert("structuredContent".into(), structured.clone());
    }
    let output = Value::Object(output);
    let size = output.to_string().len();
    if size > max_bytes {
        return ToolOutcome::Error(format!("The tool's output is {size} bytes, over the limit of {max_bytes}"));
    }
    ToolOutcome::Output(output)
}

/// `text` cut to [`MAX_ERROR_CHARS`].
fn bounded(text: &str) -> String {
    text.chars().take(MAX_ERROR_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_tools_are_offered_under_their_names_with_their_schemas() {
        let servers = vec![
            (
                "notes-server".to_owned(),
                vec![
                    json!({"name": "add", "description": "Adds a note",
                        "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}}),
                    json!({"name": "list", "title": "List notes"}),
                    json!({"description": "no name"}),
                ],
            ),
            ("other".to_owned(), vec![json!({"name": "add"})]),
        ];
        let (offered, definitions) = offered(&servers, ["tool_other_add"]);
        let names: Vec<&str> = offered.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names[..2], ["tool_notesserver_add", "tool_notesserver_list"]);
        assert!(names[2].starts_with("tool_other_add_"), "an agent's tool is not shadowed: {names:?}");
        assert_eq!(offered[2], Offered { name: names[2].into(), server: "other".into(), tool: "add".into() });
        assert_eq!(definitions[0].description, "Adds a note");
        assert_eq!(definitions[0].parameters["properties"]["text"]["type"], "string");
        assert_eq!(definitions[1].description, "List notes");
        assert_eq!(definitions[1].parameters, json!({"type": "object", "properties": {}}));
        let many = vec![("s".to_owned(), (0..300).map(|i| json!({"name": format!("t{i}")})).collect())];
        assert_eq!(super::offered(&many, []).0.len(), crate::mcp::client::chat_names::MAX_MCP_CHAT_TOOLS);
    }

    #[test]
    fn results_become_outputs_or_errors_bounded() {
        let ok = json!({"content": [{"type": "text", "text": "hi"}], "structuredContent": {"n": 1}, "_meta": {}});
        assert_eq!(
            outcome(ok, 1_000),
            ToolOutcome::Output(json!({"content": [{"type": "text", "text": "hi"}], "structuredContent": {"n": 1}}))
        );
        let failed = json!({"content": [{"type": "text", "text": "no such note"}], "isError": true});
        assert_eq!(outcome(failed, 1_000), ToolOutcome::Error("no such note".into()));
        assert_eq!(outcome(json!({"isError": true}), 1_000), ToolOutcome::Error("Tool call failed".into()));
        let big = json!({"content": [{"type": "text", "text": "x".repeat(2_000)}]});
        let ToolOutcome::Error(why) = outcome(big, 1_000) else { panic!("not bounded") };
        assert!(why.contains("over the limit of 1000"), "{why}");
        assert_eq!(bounded(&"é".repeat(10_000)).chars().count(), MAX_ERROR_CHARS);
    }
}
