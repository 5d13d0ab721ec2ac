//! URL conventions of the official clients: `/{prefix}/{kebab(agent)}/{name}[/{rest}]`.
//! Pure: tested natively.

/// Longest instance name accepted, in bytes after percent-decoding.
pub(crate) const MAX_NAME_BYTES: usize = 256;

/// Kebab-cases a class or binding name the way the official clients do:
/// `MY_AGENT` → `my-agent`, `MyAgent` → `my-agent`, `HTTPAgent` → `h-t-t-p-agent`.
pub(crate) fn kebab_case(name: &str) -> String {
    let all_caps = name.chars().any(|c| c.is_ascii_uppercase()) && name.chars().all(|c| !c.is_ascii_lowercase());
    if all_caps {
        return name.to_ascii_lowercase().replace('_', "-");
    }
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    let out = out.strip_prefix('-').unwrap_or(&out).replace('_', "-");
    match out.strip_suffix('-') {
        Some(trimmed) => trimmed.to_owned(),
        None => out,
    }
}

/// A request path split into its agent parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AgentPath<'a> {
    /// The kebab-cased agent (namespace) segment.
    pub agent: &'a str,
    /// The instance name, still percent-encoded.
    pub raw_name: &'a str,
    /// What follows the name, without the leading `/` (may be empty).
    pub rest: &'a str,
}

/// Splits `path` when it lies under `/{prefix}/`; `None` means "not an agent
/// route" (the worker decides what to do), as does a path with no name.
pub(crate) fn parse_agent_path<'a>(path: &'a str, prefix: &str) -> Option<AgentPath<'a>> {
    let prefix = prefix.trim_matches('/');
    // Clients that join a base path with a leading `/` send `//agents/...`.
    let path = path.strip_prefix('/')?.trim_start_matches('/');
    let path = if prefix.is_empty() { path } else { path.strip_prefix(prefix)?.strip_prefix('/')? };
    let (agent, after) = path.split_once('/')?;
    if agent.is_empty() {
        return None;
    }
    let (raw_name, rest) = after.split_once('/').unwrap_or((after, ""));
    if raw_name.is_empty() {
        return None;
    }
    Some(AgentPath { agent, raw_name, rest })
}

/// Why an instance name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NameError {
    /// Bad percent-encoding or not UTF-8 after decoding.
    Encoding,
    /// Longer than [`MAX_NAME_BYTES`].
    TooLong,
    /// Contains a control character.
    ControlCharacter,
}

impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NameError::Encoding => f.write_str("invalid percent-encoding in agent name"),
            NameError::TooLong => write!(f, "agent name longer than {MAX_NAME_BYTES} bytes"),
            NameError::ControlCharacter => f.write_str("agent name contains a control character"),
        }
    }
}

/// Whether `path` lies under `/{prefix}/` (with or without an agent and name).
pub(crate) fn is_under_prefix(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_matches('/');
    let path = path.trim_start_matches('/');
    prefix.is_empty() || path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Decodes and checks an instance name taken from a URL.
pub(crate) fn decode_name(raw: &str) -> Result<String, NameError> {
    let name = percent_decode(raw).ok_or(NameError::Encoding)?;
    if name.len() > MAX_NAME_BYTES {
        return Err(NameError::TooLong);
    }
    if name.chars().any(char::is_control) {
        return Err(NameError::ControlCharacter);
    }
    Ok(name)
}

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Reads one query parameter (percent-decoded, `+` as space) from a query
/// string; a malformed escape leaves the value as sent.
pub(crate) fn query_param(query: &str, key: &str) -> Option<String> {
    query.trim_start_matches('?').split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = v.replace('+', " ");
        (k == key).then(|| percent_decode(&v).unwrap_or(v))
    })
}

/// The query of a URL (without `?`, before any `#`), or `""`. The runtime
/// hands requests over with their URL already parsed and serialized, so a
/// split is enough (and keeps a URL parser with its IDNA tables out of the
/// bundle).
pub(crate) fn url_query(url: &str) -> &str {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    url.split_once('?').map_or("", |(_, query)| query)
}

/// The CORS headers put on every agent HTTP response when CORS is on.
pub(crate) const CORS_HEADERS: [(&str, &str); 4] = [
    ("access-control-allow-origin", "*"),
    ("access-control-allow-methods", "GET, POST, HEAD, OPTIONS"),
    ("access-control-allow-headers", "*"),
    ("access-control-max-age", "86400"),
];

#[cfg(test)]
mod url_tests {
    use super::url_query;

    #[test]
    fn takes_the_query_before_the_fragment() {
        for (url, query) in [
            ("https://a.test/agents/x/y?_pk=1&b=2", "_pk=1&b=2"),
            ("https://a.test/agents/x/y", ""),
            ("https://a.test/p?q=1#frag?no", "q=1"),
            ("https://a.test/p#frag?no", ""),
            ("https://a.test/p?", ""),
        ] {
            assert_eq!(url_query(url), query, "{url}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_cases_like_the_clients() {
        let cases = [
            ("MyAgent", "my-agent"),
            ("Counter", "counter"),
            ("MY_AGENT", "my-agent"),
            ("COUNTER", "counter"),
            ("HTTPAgent", "h-t-t-p-agent"),
            ("TestStateAgent", "test-state-agent"),
            ("chat-room", "chat-room"),
            ("Chat_Room", "chat--room"),
            ("Agent_", "agent"),
        ];
        for (input, expect) in cases {
            assert_eq!(kebab_case(input), expect, "input: {input}");
        }
    }

    struct Case {
        path: &'static str,
        prefix: &'static str,
        expect: Option<(&'static str, &'static str, &'static str)>,
    }

    #[test]
    fn parses_agent_paths() {
        let cases = [
            Case { path: "/agents/counter/c1", prefix: "agents", expect: Some(("counter", "c1", "")) },
            Case { path: "/agents/counter/c1/", prefix: "agents", expect: Some(("counter", "c1", "")) },
            Case { path: "/agents/counter/c1/a/b", prefix: "agents", expect: Some(("counter", "c1", "a/b")) },
            Case { path: "/agents/counter", prefix: "agents", expect: None },
            Case { path: "/agents/counter/", prefix: "agents", expect: None },
            Case { path: "/agents//x", prefix: "agents", expect: None },
            Case { path: "/agentsx/counter/c1", prefix: "agents", expect: None },
            Case { path: "/other/counter/c1", prefix: "agents", expect: None },
            Case { path: "/api/v1/counter/c1", prefix: "/api/v1/", expect: Some(("counter", "c1", "")) },
            Case { path: "/", prefix: "agents", expect: None },
            Case { path: "//agents/counter/c1/state", prefix: "agents", expect: Some(("counter", "c1", "state")) },
        ];
        for case in cases {
            let got = parse_agent_path(case.path, case.prefix).map(|p| (p.agent, p.raw_name, p.rest));
            assert_eq!(got, case.expect, "path: {}", case.path);
        }
    }

    #[test]
    fn knows_its_prefix() {
        assert!(is_under_prefix("/agents/x", "agents"));
        assert!(is_under_prefix("/agents", "agents"));
        assert!(is_under_prefix("//agents/x/y", "agents"));
        assert!(!is_under_prefix("/agentsx", "agents"));
        assert!(!is_under_prefix("/other/agents", "agents"));
    }

    #[test]
    fn decodes_and_checks_names() {
        assert_eq!(decode_name("room%201").as_deref(), Ok("room 1"));
        assert_eq!(decode_name("caf%C3%A9").as_deref(), Ok("café"));
        assert_eq!(decode_name("bad%zz"), Err(NameError::Encoding));
        assert_eq!(decode_name("trunc%4"), Err(NameError::Encoding));
        assert_eq!(decode_name("%FF"), Err(NameError::Encoding));
        assert_eq!(decode_name("nl%0Ahere"), Err(NameError::ControlCharacter));
        assert_eq!(decode_name(&"a".repeat(MAX_NAME_BYTES + 1)), Err(NameError::TooLong));
        assert!(decode_name(&"a".repeat(MAX_NAME_BYTES)).is_ok());
    }

    #[test]
    fn reads_query_params() {
        assert_eq!(query_param("?_pk=abc&x=1", "_pk").as_deref(), Some("abc"));
        assert_eq!(query_param("x=1&_pk=a%2Fb", "_pk").as_deref(), Some("a/b"));
        assert_eq!(query_param("x=1", "_pk"), None);
        // Plain decoding: no name rules (length, control characters) apply here.
        let long = "a".repeat(300);
        assert_eq!(query_param(&format!("_pk={long}"), "_pk"), Some(long));
        assert_eq!(query_param("t=a%0Ab+c", "t").as_deref(), Some("a\nb c"));
        assert_eq!(query_param("t=100%zz", "t").as_deref(), Some("100%zz"));
        assert_eq!(query_param("", "_pk"), None);
    }
}
