//! A notes MCP server: notes live in the session's SQLite; tools create,
//! list and search them, a resource template reads one, a prompt
//! summarizes them.

use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::Env;
use workers_agents::prelude::*;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Note {
    id: i64,
    title: String,
    body: String,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// The notes MCP server: one instance (and one set of notes) per MCP session.
#[derive(Debug)]
pub struct NotesMcp;

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

/// Keeps short notes in the session's SQLite.
#[agent]
impl Agent for NotesMcp {
    type State = ();

    fn new(_env: &Env) -> Self {
        NotesMcp
    }

    fn initial_state(&self) {}

    async fn on_start(&self, ctx: &Context<Self>) -> Result<()> {
        ctx.sql().execute_batch(SCHEMA)
    }

    fn mcp_server() -> Option<McpServer<Self>> {
        let server =
            McpServer::new("Notes", "1.0.0").instructions("Keep short notes; search before creating duplicates.");
        Some(Self::register_mcp(server))
    }

    /// Create a note
    #[tool(name = "create_note")]
    async fn create(
        &self,
        ctx: &Context<Self>,
        #[schema(min_length = 1, max_length = MAX_TITLE_CHARS)] title: String,
        #[schema(max_length = MAX_BODY_CHARS)] body: String,
    ) -> Result<ToolResult> {
        let count: Option<Count> = ctx.sql().query_one("SELECT COUNT(*) AS n FROM notes", params![])?;
        if count.is_some_and(|c| c.n >= MAX_NOTES) {
            return Ok(ToolResult::error(format!("at most {MAX_NOTES} notes per session")));
        }
        let created: Option<Note> =
            ctx.sql().query_one("INSERT INTO notes (title, body) VALUES (?, ?) RETURNING *", params![title, body])?;
        ToolResult::structured(&created)
    }

    /// List all notes
    #[tool(name = "list_notes", read_only)]
    async fn list(&self, ctx: &Context<Self>) -> Result<ToolResult> {
        let notes: Vec<Note> = ctx.sql().query("SELECT * FROM notes ORDER BY id", params![])?;
        ToolResult::structured(&json!({ "notes": notes }))
    }

    /// Find notes whose title or body contains the query
    #[tool(name = "search_notes")]
    async fn search(
        &self,
        ctx: &Context<Self>,
        #[schema(min_length = 1, max_length = MAX_TITLE_CHARS)] query: String,
    ) -> Result<ToolResult> {
        let pattern = format!("%{}%", query.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let notes: Vec<Note> = ctx.sql().query(
            "SELECT * FROM notes WHERE title LIKE ?1 ESCAPE '\\' OR body LIKE ?1 ESCAPE '\\' ORDER BY id",
            params![pattern],
        )?;
        ToolResult::structured(&json!({ "notes": notes }))
    }

    /// One note as Markdown
    #[resource(template = "notes://{id}", name = "note", mime_type = "text/markdown")]
    async fn note(&self, ctx: &Context<Self>, req: ResourceRequest, id: String) -> Result<ResourceContents> {
        let id: i64 = id.parse().map_err(|_| "note ids are integers")?;
        let note: Option<Note> = ctx.sql().query_one("SELECT * FROM notes WHERE id = ?", params![id])?;
        let note = note.ok_or_else(|| format!("no note {id}"))?;
        Ok(ResourceContents::text(req.uri, "text/markdown", format!("# {}\n\n{}", note.title, note.body)))
    }

    /// Summarize the notes
    #[prompt(name = "summarize_notes")]
    async fn summarize(
        &self,
        ctx: &Context<Self>,
        #[schema(description = "What to focus on")] focus: String,
    ) -> Result<PromptResult> {
        bounded("focus", &focus, MAX_TITLE_CHARS)?;
        let notes: Vec<Note> = ctx.sql().query("SELECT * FROM notes ORDER BY id", params![])?;
        let listing: Vec<String> = notes.iter().map(|n| format!("- {}: {}", n.title, n.body)).collect();
        Ok(PromptResult::new(vec![PromptMessage::user(format!(
            "Summarize these notes, focusing on {focus}:\n{}",
            listing.join("\n")
        ))]))
    }
}
