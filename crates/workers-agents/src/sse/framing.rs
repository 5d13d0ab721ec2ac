//! Server-Sent Events framing: events, comments, `Accept` checks. Pure.

/// One SSE event. Multi-line data becomes one `data:` line per line; a line
/// ends at CRLF, CR or LF, as clients read it.
pub(crate) fn event(name: Option<&str>, id: Option<&str>, data: &str) -> String {
    let mut out = String::with_capacity(data.len() + 32);
    // A line break in a name or id would end its field and start another
    // (or another event): they are dropped. SSE has no escape for them.
    let one_line = |field: &str, value: &str, out: &mut String| {
        out.push_str(field);
        out.extend(value.chars().filter(|c| !matches!(c, '\r' | '\n')));
        out.push('\n');
    };
    if let Some(name) = name {
        one_line("event: ", name, &mut out);
    }
    if let Some(id) = id {
        one_line("id: ", id, &mut out);
    }
    for line in data.split("\r\n").flat_map(|part| part.split(['\r', '\n'])) {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// A comment line: ignored by clients, keeps idle connections open.
pub(crate) fn comment(text: &str) -> String {
    format!(": {text}\n\n")
}

#[cfg(feature = "mcp")]
/// Whether an `Accept` header value admits `mime` (exactly, `type/*` or `*/*`).
pub(crate) fn accepts(accept: &str, mime: &str) -> bool {
    let major = mime.split('/').next().unwrap_or("");
    accept.split(',').map(|item| item.split(';').next().unwrap_or("").trim()).any(|item| {
        item.eq_ignore_ascii_case(mime) || item == "*/*" || item.strip_suffix("/*").is_some_and(|m| m == major)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_events() {
        assert_eq!(event(Some("message"), None, "{\"a\":1}"), "event: message\ndata: {\"a\":1}\n\n");
        assert_eq!(event(None, Some("7"), "a\nb"), "id: 7\ndata: a\ndata: b\n\n");
        assert_eq!(
            event(Some("endpoint"), None, "/sse/message?sessionId=x"),
            "event: endpoint\ndata: /sse/message?sessionId=x\n\n"
        );
        assert_eq!(comment("keep-alive"), ": keep-alive\n\n");
        // A lone CR ends a line for clients: it may not end the event early.
        assert_eq!(event(None, None, "a\r\rdata: b\r\nc\r"), "data: a\ndata: \ndata: data: b\ndata: c\ndata: \n\n");
    }

    #[test]
    #[cfg(feature = "mcp")]
    fn reads_accept_headers() {
        let both = "application/json, text/event-stream";
        assert!(accepts(both, "application/json") && accepts(both, "text/event-stream"));
        assert!(accepts("text/event-stream;q=0.9", "text/event-stream"));
        assert!(accepts("*/*", "application/json"));
        assert!(accepts("application/*", "application/json"));
        assert!(!accepts("application/json", "text/event-stream"));
        assert!(!accepts("", "application/json"));
    }
}
