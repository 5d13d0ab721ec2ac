//! The `WWW-Authenticate` header of a 401 or 403 (RFC 9110 §11.6.1): its
//! challenges, each a scheme and its parameters. Pure.

/// Longest header parsed; a longer one is not a challenge this client reads.
pub const MAX_CHALLENGE_BYTES: usize = 8 * 1024;

/// One challenge: a scheme (lowercased) and its `name=value` parameters
/// (names lowercased, quoted values unescaped). A token68 credential is left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme, lowercased (`bearer`).
    pub scheme: String,
    /// The parameters in order.
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// The first parameter named `name` (compared without case).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The challenges of a `WWW-Authenticate` value; `None` when it is longer
/// than [`MAX_CHALLENGE_BYTES`] or does not parse.
pub fn parse_challenges(header: &str) -> Option<Vec<Challenge>> {
    if header.len() > MAX_CHALLENGE_BYTES {
        return None;
    }
    let mut lexer = Lexer { rest: header };
    let mut challenges: Vec<Challenge> = Vec::new();
    loop {
        lexer.skip_separators();
        if lexer.rest.is_empty() {
            return Some(challenges);
        }
        let token = lexer.token()?;
        lexer.skip_spaces();
        if lexer.rest.starts_with('=') && !challenges.is_empty() && !lexer.rest.starts_with("==") {
            // `name=value` of the current challenge.
            lexer.rest = &lexer.rest[1..];
            lexer.skip_spaces();
            let value = if lexer.rest.starts_with('"') { lexer.quoted()? } else { lexer.token()?.to_owned() };
            challenges.last_mut()?.params.push((token.to_ascii_lowercase(), value));
        } else if lexer.rest.starts_with('=') {
            // A token68 (`abc==`) where a scheme was expected: not a challenge.
            return None;
        } else {
            challenges.push(Challenge { scheme: token.to_ascii_lowercase(), params: Vec::new() });
            lexer.skip_token68();
        }
    }
}

struct Lexer<'a> {
    rest: &'a str,
}

impl<'a> Lexer<'a> {
    fn skip_spaces(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t']);
    }

    fn skip_separators(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t', ',']);
    }

    /// An RFC 9110 token.
    fn token(&mut self) -> Option<&'a str> {
        let end = self.rest.find(|c: char| !is_tchar(c)).unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let (token, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(token)
    }

    /// A quoted string, its `\x` escapes undone.
    fn quoted(&mut self) -> Option<String> {
        let mut out = String::new();
        let mut chars = self.rest[1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &self.rest[i + 2..];
                    return Some(out);
                }
                '\\' => match chars.next()?.1 {
                    c if c.is_control() && c != '\t' => return None,
                    c => out.push(c),
                },
                c if c.is_control() && c != '\t' => return None,
                c => out.push(c),
            }
        }
        None
    }

    /// A token68 after a scheme (`Basic abc==`), when one follows rather
    /// than a parameter (`name = value`, spaces allowed around `=`).
    fn skip_token68(&mut self) {
        self.skip_spaces();
        let name_end = self.rest.find(|c: char| !is_tchar(c)).unwrap_or(self.rest.len());
        let after_name = self.rest[name_end..].trim_start_matches([' ', '\t']);
        let value = after_name.strip_prefix('=').map(|v| v.trim_start_matches([' ', '\t']));
        let is_param = name_end > 0 && value.is_some_and(|v| !v.is_empty() && !v.starts_with(['=', ',']));
        if is_param {
            return;
        }
        let end =
            self.rest.find(|c: char| !(c.is_ascii_alphanumeric() || "-._~+/".contains(c))).unwrap_or(self.rest.len());
        if end > 0 {
            self.rest = self.rest[end..].trim_start_matches('=');
        }
    }
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(header: &str) -> Challenge {
        let mut all = parse_challenges(header).expect("parses");
        assert_eq!(all.len(), 1, "{all:?}");
        all.remove(0)
    }

    #[test]
    fn reads_bearer_parameters_quoted_or_not() {
        let c = one(
            r#"Bearer realm="OAuth", error="invalid_token", resource_metadata="https://a.example/.well-known/oauth-protected-resource/mcp", scope="read write""#,
        );
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.param("error"), Some("invalid_token"));
        assert_eq!(c.param("SCOPE"), Some("read write"));
        assert_eq!(c.param("resource_metadata"), Some("https://a.example/.well-known/oauth-protected-resource/mcp"));
        let spaced = one(r#"Bearer realm = "x", scope= "a b""#);
        assert_eq!(spaced.param("realm"), Some("x"));
        assert_eq!(spaced.param("scope"), Some("a b"));
        let bare = one("bearer error=insufficient_scope,scope=admin");
        assert_eq!(bare.param("error"), Some("insufficient_scope"));
        assert_eq!(bare.param("scope"), Some("admin"));
    }

    #[test]
    fn unescapes_and_keeps_commas_inside_quotes() {
        let c = one(r#"Bearer error_description="a \"quoted\", comma", realm=x"#);
        assert_eq!(c.param("error_description"), Some(r#"a "quoted", comma"#));
        assert_eq!(c.param("realm"), Some("x"));
    }

    #[test]
    fn splits_several_challenges_and_skips_token68() {
        let all = parse_challenges(r#"Basic realm="a", Negotiate abc123==, Bearer scope="read""#).unwrap();
        let schemes: Vec<&str> = all.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["basic", "negotiate", "bearer"]);
        assert_eq!(all[0].param("realm"), Some("a"));
        assert!(all[1].params.is_empty());
        assert_eq!(all[2].param("scope"), Some("read"));
        assert_eq!(parse_challenges("").unwrap(), vec![]);
        assert_eq!(one("Bearer").params, vec![]);
    }

    #[test]
    fn refuses_what_does_not_parse_or_is_too_long() {
        assert_eq!(parse_challenges(r#"Bearer realm="never closed"#), None);
        assert_eq!(parse_challenges("=x"), None);
        assert_eq!(parse_challenges("Bearer realm=\"a\u{1}b\""), None);
        assert_eq!(parse_challenges("Bearer realm=\"a\\\u{1}b\""), None);
        assert_eq!(parse_challenges(&format!("Bearer realm=\"{}\"", "x".repeat(MAX_CHALLENGE_BYTES))), None);
    }
}
