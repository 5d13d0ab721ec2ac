//! MCP values as they go on the wire: content blocks, tool results, resource
//! contents, prompt messages, and the descriptors `*/list` returns.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One block of content in a tool result or prompt message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// Plain text.
    Text {
        /// The text.
        text: String,
    },
    /// A base64-encoded image.
    Image {
        /// Base64 data.
        data: String,
        /// e.g. `image/png`.
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// Base64-encoded audio.
    Audio {
        /// Base64 data.
        data: String,
        /// e.g. `audio/wav`.
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// A resource embedded in the result.
    Resource {
        /// Its contents.
        resource: ResourceContents,
    },
    /// A link to a resource the client may read (`resource_link`).
    ResourceLink {
        /// The resource's URI.
        uri: String,
        /// Its name.
        name: String,
        /// What it is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        /// Its MIME type.
        #[serde(default, rename = "mimeType", skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
    },
}

impl Content {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        Content::Text { text: text.into() }
    }
}

/// What a tool call returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolResult {
    /// The content blocks.
    pub content: Vec<Content>,
    /// Structured output (for tools with an output schema).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// Whether the tool failed (the model sees the content as the error).
    #[serde(default)]
    pub is_error: bool,
}

impl ToolResult {
    /// A successful result with one text block.
    pub fn text(text: impl Into<String>) -> Self {
        ToolResult { content: vec![Content::text(text)], structured_content: None, is_error: false }
    }

    /// A successful result with these blocks.
    pub fn content(content: Vec<Content>) -> Self {
        ToolResult { content, structured_content: None, is_error: false }
    }

    /// A failed result: the model sees `message`.
    pub fn error(message: impl Into<String>) -> Self {
        ToolResult { content: vec![Content::text(message)], structured_content: None, is_error: true }
    }

    /// A successful result carrying `value` as structured content and as JSON text.
    pub fn structured<T: Serialize>(value: &T) -> crate::Result<Self> {
        let value = serde_json::to_value(value).map_err(|e| crate::Error::json("tool result", e))?;
        Ok(ToolResult {
            content: vec![Content::text(value.to_string())],
            structured_content: Some(value),
            is_error: false,
        })
    }
}

/// The contents of one resource: text or base64 blob.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceContents {
    /// The resource's URI.
    pub uri: String,
    /// Its MIME type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Text contents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Base64 contents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
}

impl ResourceContents {
    /// Text contents.
    pub fn text(uri: impl Into<String>, mime_type: &str, text: impl Into<String>) -> Self {
        ResourceContents { uri: uri.into(), mime_type: Some(mime_type.to_owned()), text: Some(text.into()), blob: None }
    }

    /// Binary contents, already base64-encoded.
    pub fn blob(uri: impl Into<String>, mime_type: &str, base64: impl Into<String>) -> Self {
        ResourceContents {
            uri: uri.into(),
            mime_type: Some(mime_type.to_owned()),
            text: None,
            blob: Some(base64.into()),
        }
    }
}

impl From<ResourceContents> for Vec<ResourceContents> {
    fn from(contents: ResourceContents) -> Self {
        vec![contents]
    }
}

/// Who speaks a prompt message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The user.
    User,
    /// The assistant.
    Assistant,
}

/// One message of a prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptMessage {
    /// Who speaks it.
    pub role: Role,
    /// What is said.
    pub content: Content,
}

impl PromptMessage {
    /// A user message with one text block.
    pub fn user(text: impl Into<String>) -> Self {
        PromptMessage { role: Role::User, content: Content::text(text) }
    }

    /// An assistant message with one text block.
    pub fn assistant(text: impl Into<String>) -> Self {
        PromptMessage { role: Role::Assistant, content: Content::text(text) }
    }
}

/// What `prompts/get` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptResult {
    /// A description of this rendering.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The messages.
    pub messages: Vec<PromptMessage>,
}

impl PromptResult {
    /// A prompt of these messages.
    pub fn new(messages: Vec<PromptMessage>) -> Self {
        PromptResult { description: None, messages }
    }
}

/// A tool as `tools/list` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub(crate) name: String,
    pub(crate) descriptor: Value,
    /// The permissions a caller needs ([`Tool::requires`]).
    pub(crate) requires: Vec<String>,
}

impl Tool {
    /// A tool taking an object with any properties; set its schema with [`Tool::input_schema`].
    pub fn new(name: &str, description: &str) -> Self {
        let descriptor = json!({ "name": name, "description": description, "inputSchema": { "type": "object" } });
        Tool { name: name.to_owned(), descriptor, requires: Vec::new() }
    }

    /// Only for callers whose [`Auth`](crate::Auth) has `permission` (in its
    /// props' `permissions`): hidden from everyone else's `tools/list`, and a
    /// call from them is refused with "Permission denied: requires
    /// {permission}" before the handler runs. Calls with no `Auth` at all
    /// (an endpoint without a provider) are refused too. Repeat for several.
    pub fn requires(mut self, permission: &str) -> Self {
        self.requires.push(permission.to_owned());
        self
    }

    /// The first permission in [`Tool::requires`] that `auth` lacks.
    pub(crate) fn missing_permission(&self, auth: Option<&crate::Auth>) -> Option<&str> {
        self.requires.iter().find(|p| !auth.is_some_and(|auth| auth.has_permission(p))).map(String::as_str)
    }

    /// The JSON Schema of the arguments (an object schema). Published as
    /// given; arguments are checked against it before the handler runs.
    pub fn input_schema(self, schema: Value) -> Self {
        self.field("inputSchema", schema)
    }

    /// The JSON Schema of the tool's structured output.
    pub fn output_schema(self, schema: Value) -> Self {
        self.field("outputSchema", schema)
    }

    /// A human-readable title.
    pub fn title(self, title: &str) -> Self {
        self.field("title", json!(title))
    }

    /// Behaviour hints (`readOnlyHint`, `destructiveHint`, ...).
    pub fn annotations(self, annotations: Value) -> Self {
        self.field("annotations", annotations)
    }

    fn field(mut self, key: &str, value: Value) -> Self {
        self.descriptor[key] = value;
        self
    }
}

/// A resource at a fixed URI, or a family of them under a URI template.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub(crate) uri: String,
    pub(crate) descriptor: Value,
}

impl Resource {
    /// A resource at `uri`.
    pub fn new(name: &str, uri: &str) -> Self {
        Resource { uri: uri.to_owned(), descriptor: json!({ "name": name, "uri": uri }) }
    }

    /// Resources matching `uri_template` (RFC 6570, e.g. `notes://{id}`).
    pub fn template(name: &str, uri_template: &str) -> Self {
        Resource { uri: uri_template.to_owned(), descriptor: json!({ "name": name, "uriTemplate": uri_template }) }
    }

    /// What it holds.
    pub fn description(mut self, description: &str) -> Self {
        self.descriptor["description"] = json!(description);
        self
    }

    /// Its MIME type.
    pub fn mime_type(mut self, mime_type: &str) -> Self {
        self.descriptor["mimeType"] = json!(mime_type);
        self
    }

    /// A human-readable title.
    pub fn title(mut self, title: &str) -> Self {
        self.descriptor["title"] = json!(title);
        self
    }
}

/// A prompt template and its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub(crate) name: String,
    pub(crate) descriptor: Value,
    pub(crate) required: Vec<String>,
}

impl Prompt {
    /// A prompt without arguments.
    pub fn new(name: &str, description: &str) -> Self {
        let descriptor = json!({ "name": name, "description": description, "arguments": [] });
        Prompt { name: name.to_owned(), descriptor, required: Vec::new() }
    }

    /// Adds an argument (prompt arguments are strings).
    pub fn argument(mut self, name: &str, description: &str, required: bool) -> Self {
        if let Some(arguments) = self.descriptor["arguments"].as_array_mut() {
            arguments.push(json!({ "name": name, "description": description, "required": required }));
        }
        if required {
            self.required.push(name.to_owned());
        }
        self
    }

    /// A human-readable title.
    pub fn title(mut self, title: &str) -> Self {
        self.descriptor["title"] = json!(title);
        self
    }
}

/// Items per page of `tools/list`, `resources/list`, ... .
pub const PAGE_SIZE: usize = 100;

/// One page of `items` from an opaque `cursor` (`Err`: invalid cursor).
/// Returns the page and the cursor of the next page, if any.
pub fn page<T: Clone>(items: &[T], cursor: Option<&str>) -> Result<(Vec<T>, Option<String>), String> {
    let start = match cursor {
        None => 0,
        Some(cursor) => cursor
            .strip_prefix("p")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| format!("Invalid cursor: {cursor}"))?,
    };
    let end = (start + PAGE_SIZE).min(items.len());
    let next = (end < items.len()).then(|| format!("p{end}"));
    Ok((items[start..end].to_vec(), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gated_tool_needs_every_permission_it_names() {
        let auth = |permissions: Value| crate::Auth {
            user_id: "ada".into(),
            client_id: String::new(),
            scope: Vec::new(),
            props: json!({ "permissions": permissions }),
            grant_id: String::new(),
        };
        let open = Tool::new("open", "");
        assert_eq!(open.missing_permission(None), None);
        let gated = Tool::new("gated", "").requires("admin").requires("billing");
        assert_eq!(gated.missing_permission(None), Some("admin"));
        assert_eq!(gated.missing_permission(Some(&auth(json!(["admin"])))), Some("billing"));
        assert_eq!(gated.missing_permission(Some(&auth(json!(["billing", "admin"])))), None);
        assert_eq!(gated.missing_permission(Some(&auth(json!("admin")))), Some("admin"));
        // The gate is not published: clients see the same descriptor.
        assert_eq!(gated.descriptor["name"], "gated");
        assert!(gated.descriptor.get("requires").is_none());
    }

    #[test]
    fn content_serializes_as_the_spec_shows() {
        assert_eq!(serde_json::to_value(Content::text("hi")).unwrap(), json!({"type": "text", "text": "hi"}));
        let image = Content::Image { data: "AA==".into(), mime_type: "image/png".into() };
        assert_eq!(
            serde_json::to_value(image).unwrap(),
            json!({"type": "image", "data": "AA==", "mimeType": "image/png"})
        );
        let embedded = Content::Resource { resource: ResourceContents::text("a://b", "text/plain", "x") };
        assert_eq!(
            serde_json::to_value(embedded).unwrap(),
            json!({"type": "resource", "resource": {"uri": "a://b", "mimeType": "text/plain", "text": "x"}})
        );
        assert_eq!(
            serde_json::to_value(ToolResult::error("bad")).unwrap(),
            json!({"content": [{"type": "text", "text": "bad"}], "isError": true})
        );
    }

    #[test]
    fn descriptors_carry_what_was_declared() {
        let tool = Tool::new("add", "Adds").input_schema(json!({"type": "object", "required": ["a"]})).title("Add");
        assert_eq!(tool.descriptor["inputSchema"]["required"], json!(["a"]));
        assert_eq!(tool.descriptor["title"], json!("Add"));
        let prompt = Prompt::new("p", "d").argument("topic", "what", true).argument("tone", "how", false);
        assert_eq!(prompt.required, vec!["topic".to_owned()]);
        assert_eq!(prompt.descriptor["arguments"][1]["required"], json!(false));
        assert_eq!(Resource::template("n", "notes://{id}").descriptor["uriTemplate"], json!("notes://{id}"));
    }

    #[test]
    fn pages_with_opaque_cursors() {
        let items: Vec<usize> = (0..250).collect();
        let (first, next) = page(&items, None).unwrap();
        assert_eq!((first.len(), next.as_deref()), (100, Some("p100")));
        let (last, next) = page(&items, Some("p200")).unwrap();
        assert_eq!((last.len(), next), (50, None));
        assert!(page(&items, Some("p999")).is_err());
        assert!(page(&items, Some("zzz")).is_err());
        assert_eq!(page::<usize>(&[], None).unwrap(), (vec![], None));
    }

    #[test]
    fn results_from_other_servers_decode() {
        let result: ToolResult = serde_json::from_value(json!({
            "content": [
                {"type": "text", "text": "hi"},
                {"type": "resource_link", "uri": "file:///a.txt", "name": "a", "mimeType": "text/plain"},
            ],
        }))
        .unwrap();
        assert!(!result.is_error);
        assert_eq!(result.content[0], Content::text("hi"));
        let link = Content::ResourceLink {
            uri: "file:///a.txt".into(),
            name: "a".into(),
            description: None,
            mime_type: Some("text/plain".into()),
        };
        assert_eq!(result.content[1], link);
        assert_eq!(serde_json::to_value(&link).unwrap()["type"], "resource_link");
        let prompt: PromptResult = serde_json::from_value(json!({
            "messages": [{"role": "user", "content": {"type": "text", "text": "Say hi"}}],
        }))
        .unwrap();
        assert_eq!(prompt.messages, vec![PromptMessage::user("Say hi")]);
        assert!(serde_json::from_value::<ToolResult>(json!({"content": [{"type": "hologram"}]})).is_err());
    }
}
