//! A notes MCP server: notes live in the session's SQLite; tools create,
//! list and search them, a resource template reads one, a prompt
//! summarizes them.

use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::Env;
use workers_agents::mcp::{
    McpServer, NoArgs, Prompt, PromptMessage, PromptResult, Resource, ResourceContents, ResourceRequest, Tool,
    ToolResult,
};
use workers_agents::{export_agent, params, Agent, Context};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Note {
    id: i64,
    title: String,
    body: String,
}

#[derive(Deserialize)]
struct Create {
    title: String,
    body: String,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

#[derive(Deserialize)]
struct Search {
    query: String,
}

#[derive(Deserialize)]
struct Summarize {
    focus: String,
}

/// The notes MCP server: one instance (and one set of notes) per MCP session.
#[derive(Debug)]
pub struct NotesMcp;

type Ctx = Context<NotesMcp>;

/// Longest title, search query and prompt focus, in characters (as JSON Schema counts).
const MAX_TITLE_CHARS: usize = 200;
/// Longest note body, in characters.
const MAX_BODY_CHARS: usize = 4000;
/// Most notes one session keeps (so `list_notes` stays small).
const MAX_NOTES: i64 = 100;

/// `what` must be at most `max` characters.
fn bounded(what: &str, text: &str, max: usize) -> Result<(), String> {
    match text.chars().count() {
        n if n > max => Err(format!("{what} must have at most {max} characters (got {n})")),
        _ => Ok(()),
    }
}

const SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, body TEXT NOT NULL)";

impl NotesMcp {
    async fn create(&self, ctx: &Ctx, note: Create) -> workers_agents::Result<ToolResult> {
        let count: Option<Count> = ctx.sql().query_one("SELECT COUNT(*) AS n FROM notes", params![])?;
        if count.is_some_and(|c| c.n >= MAX_NOTES) {
            return Ok(ToolResult::error(format!("at most {MAX_NOTES} notes per session")));
        }
        let created: Option<Note> = ctx
            .sql()
            .query_one("INSERT INTO notes (title, body) VALUES (?, ?) RETURNING *", params![note.title, note.body])?;
        ToolResult::structured(&created)
    }

    async fn list(&self, ctx: &Ctx, _: NoArgs) -> workers_agents::Result<ToolResult> {
        let notes: Vec<Note> = ctx.sql().query("SELECT * FROM notes ORDER BY id", params![])?;
        ToolResult::structured(&json!({ "notes": notes }))
    }

    async fn search(&self, ctx: &Ctx, Search { query }: Search) -> workers_agents::Result<ToolResult> {
        let pattern = format!("%{}%", query.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let notes: Vec<Note> = ctx.sql().query(
            "SELECT * FROM notes WHERE title LIKE ?1 ESCAPE '\\' OR body LIKE ?1 ESCAPE '\\' ORDER BY id",
            params![pattern],
        )?;
        ToolResult::structured(&json!({ "notes": notes }))
    }

    async fn note(&self, ctx: &Ctx, req: ResourceRequest) -> workers_agents::Result<ResourceContents> {
        let id: i64 = req.params.get("id").and_then(|id| id.parse().ok()).ok_or("note ids are integers")?;
        let note: Option<Note> = ctx.sql().query_one("SELECT * FROM notes WHERE id = ?", params![id])?;
        let note = note.ok_or_else(|| format!("no note {id}"))?;
        Ok(ResourceContents::text(req.uri, "text/markdown", format!("# {}\n\n{}", note.title, note.body)))
    }

    async fn summarize(&self, ctx: &Ctx, Summarize { focus }: Summarize) -> workers_agents::Result<PromptResult> {
        bounded("focus", &focus, MAX_TITLE_CHARS)?;
        let notes: Vec<Note> = ctx.sql().query("SELECT * FROM notes ORDER BY id", params![])?;
        let listing: Vec<String> = notes.iter().map(|n| format!("- {}: {}", n.title, n.body)).collect();
        Ok(PromptResult::new(vec![PromptMessage::user(format!(
            "Summarize these notes, focusing on {focus}:\n{}",
            listing.join("\n")
        ))]))
    }
}

impl Agent for NotesMcp {
    type State = ();

    fn new(_env: &Env) -> Self {
        NotesMcp
    }

    fn initial_state(&self) {}

    async fn on_start(&self, ctx: &Ctx) -> workers_agents::Result<()> {
        ctx.sql().execute_batch(SCHEMA)
    }

    fn mcp_server() -> Option<McpServer<Self>> {
        let short = json!({ "type": "string", "minLength": 1, "maxLength": MAX_TITLE_CHARS });
        let body = json!({ "type": "string", "maxLength": MAX_BODY_CHARS });
        let create = Tool::new("create_note", "Create a note").input_schema(json!({
            "type": "object",
            "properties": { "title": short, "body": body },
            "required": ["title", "body"]
        }));
        let search =
            Tool::new("search_notes", "Find notes whose title or body contains the query").input_schema(json!({
                "type": "object", "properties": { "query": short }, "required": ["query"]
            }));
        let list = Tool::new("list_notes", "List all notes").annotations(json!({ "readOnlyHint": true }));
        let note =
            Resource::template("note", "notes://{id}").description("One note as Markdown").mime_type("text/markdown");
        let summarize =
            Prompt::new("summarize_notes", "Summarize the notes").argument("focus", "What to focus on", true);
        Some(
            McpServer::new("Notes", "1.0.0")
                .instructions("Keep short notes; search before creating duplicates.")
                .tool(create, Self::create)
                .tool(list, Self::list)
                .tool(search, Self::search)
                .resource(note, Self::note)
                .prompt(summarize, Self::summarize),
        )
    }
}

export_agent!(NotesMcp);
