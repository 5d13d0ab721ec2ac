//! Writes the TypeScript declarations of the examples' agents, one
//! `agents.d.ts` per example, from their `#[agent]` descriptions.
//!
//! `cargo run -p agent-types` (`npm run types`) writes them;
//! `--check` (in `npm test`) writes them too and fails when one changed,
//! so a stale checked-in copy fails the tests.

use std::path::PathBuf;
use std::process::ExitCode;

use workers_agents::{typescript, AgentDescription, Describe};

/// Each example's declarations file (relative to the repository) and its agents.
fn files() -> Vec<(&'static str, Vec<AgentDescription>)> {
    vec![
        ("examples/assistant/agents.d.ts", vec![example_assistant::Assistant::describe()]),
        ("examples/chat-room/agents.d.ts", vec![example_chat_room::ChatRoom::describe()]),
        ("examples/counter/agents.d.ts", vec![example_counter::Counter::describe()]),
        ("examples/reminders/agents.d.ts", vec![example_reminders::Reminders::describe()]),
        ("examples/secure-mcp/agents.d.ts", vec![example_secure_mcp::Vault::describe()]),
        ("examples/travel/agents.d.ts", vec![example_travel::TravelAgent::describe()]),
    ]
}

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut stale = Vec::new();
    for (path, agents) in files() {
        let file = root.join(path);
        let mut text = typescript::render(&agents);
        if !text.ends_with('\n') {
            text.push('\n');
        }
        if std::fs::read_to_string(&file).ok().as_deref() != Some(text.as_str()) {
            if let Err(e) = std::fs::write(&file, &text) {
                eprintln!("agent-types: cannot write {path}: {e}");
                return ExitCode::FAILURE;
            }
            stale.push(path);
        }
    }
    for path in &stale {
        eprintln!("agent-types: wrote {path}");
    }
    if check && !stale.is_empty() {
        eprintln!("agent-types: the checked-in declarations were stale; commit the files written above");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
