//! The names MCP servers' tools get when a chat model is offered them
//! (pure): `tool_{server id without dashes}_{tool}` as the TS SDK's
//! `getAITools` names them ([`chat_tool_name`]), made to fit the rule models
//! have for tool names (`^[a-zA-Z0-9_-]{1,64}$`), and never one the agent's
//! own chat tools, the page's tools or an earlier MCP tool already has.

use std::collections::HashSet;

use super::servers::chat_tool_name;

/// Longest tool name models accept.
pub const MAX_TOOL_NAME_CHARS: usize = 64;

/// Most MCP tools offered to a model in one request (OpenAI's API takes
/// at most 128 tools): past them the servers' further tools are left out.
pub const MAX_MCP_CHAT_TOOLS: usize = 128;

/// Whether `name` is a tool name models accept.
pub fn is_model_tool_name(name: &str) -> bool {
    (1..=MAX_TOOL_NAME_CHARS).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The model's names for `tools` (server id, tool name), in order: the
/// TS SDK's name with every character models refuse made `_`; when that
/// name is too long or taken (by `reserved`, the agent's and the page's
/// tools, or by an earlier tool of the list), its first 55 characters and
/// `_` and 8 hex digits of a hash of the server id and tool name (the same
/// tool gets the same name every time it is offered with the same others).
pub fn chat_tool_names<'a>(reserved: impl IntoIterator<Item = &'a str>, tools: &[(&str, &str)]) -> Vec<String> {
    let mut taken: HashSet<String> = reserved.into_iter().map(str::to_owned).collect();
    let mut names = Vec::with_capacity(tools.len());
    for (server, tool) in tools {
        let base: String = chat_tool_name(server, tool)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
            .collect();
        let mut name = base.clone();
        let mut round = 0u32;
        while name.len() > MAX_TOOL_NAME_CHARS || taken.contains(&name) {
            let prefix: String = base.chars().take(MAX_TOOL_NAME_CHARS - 9).collect();
            name = format!("{prefix}_{:08x}", fnv1a(server, tool, round));
            round += 1;
        }
        taken.insert(name.clone());
        names.push(name);
    }
    names
}

/// FNV-1a (32 bits) of the server id, a zero byte, the tool name and the round.
fn fnv1a(server: &str, tool: &str, round: u32) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    let bytes = server.bytes().chain([0]).chain(tool.bytes()).chain(round.to_le_bytes());
    for byte in bytes {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_ts_sdk_and_the_model_rule() {
        let names = chat_tool_names([], &[("github-mcp", "create_issue"), ("notes", "add.note/v2")]);
        assert_eq!(names, ["tool_githubmcp_create_issue", "tool_notes_add_note_v2"]);
        assert!(names.iter().all(|n| is_model_tool_name(n)));
    }

    #[test]
    fn long_and_colliding_names_are_resolved_deterministically() {
        let long = "x".repeat(80);
        let tools = [("a", long.as_str()), ("a_b", "c"), ("a", "b_c"), ("a", "b.c"), ("s", "mine")];
        let names = chat_tool_names(["tool_s_mine"], &tools);
        assert!(names.iter().all(|n| is_model_tool_name(n)), "{names:?}");
        assert_eq!(names[0].len(), MAX_TOOL_NAME_CHARS);
        assert!(names[0].starts_with("tool_a_xxxx"));
        // `a_b`+`c` came first and keeps the plain name; `a`+`b_c` and
        // `a`+`b.c` would have it too, and get hashed ones.
        assert_eq!(names[1], "tool_a_b_c");
        assert!(names[2].starts_with("tool_a_b_c_") && names[3].starts_with("tool_a_b_c_"));
        // An agent's tool is never shadowed.
        assert!(names[4].starts_with("tool_s_mine_") && names[4] != "tool_s_mine");
        let unique: HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        assert_eq!(chat_tool_names(["tool_s_mine"], &tools), names);
    }

    #[test]
    fn a_hash_that_is_taken_too_takes_the_next_round() {
        let first = chat_tool_names(["tool_a_b"], &[("a", "b")]);
        let again = chat_tool_names(["tool_a_b", first[0].as_str()], &[("a", "b")]);
        assert!(is_model_tool_name(&again[0]) && again[0] != first[0] && again[0] != "tool_a_b");
    }

    #[test]
    fn the_model_rule() {
        assert!(is_model_tool_name("a-b_C9"));
        assert!(!is_model_tool_name("") && !is_model_tool_name("a.b") && !is_model_tool_name(&"a".repeat(65)));
    }
}
