//! Scope strings (RFC 6749 §3.3): space-separated tokens of printable
//! ASCII without `"` and `\`. Pure.

/// A parsed scope: its tokens, in order, without duplicates.
pub type Scope = Vec<String>;

/// Most tokens a scope may have.
pub const MAX_SCOPE_TOKENS: usize = 64;

/// Parses a scope string; `Err` names the first invalid token, or says it
/// has more than [`MAX_SCOPE_TOKENS`].
pub fn parse_scope(text: &str) -> Result<Scope, String> {
    let mut scope: Scope = Vec::new();
    for token in text.split(' ').filter(|t| !t.is_empty()) {
        if scope.len() == MAX_SCOPE_TOKENS {
            return Err(format!("a scope has at most {MAX_SCOPE_TOKENS} tokens"));
        }
        if !token.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b)) {
            return Err(format!("invalid scope token {token:?}"));
        }
        if !scope.iter().any(|s| s == token) {
            scope.push(token.to_owned());
        }
    }
    Ok(scope)
}

/// What a token request for `requested` (None: all) gets of `granted`: the
/// tokens in both, in the grant's order. Asking for more than was granted is
/// not an error; the extra tokens are left out (as the reference does).
pub fn narrow_scope(granted: &[String], requested: Option<&[String]>) -> Scope {
    match requested {
        None => granted.to_vec(),
        Some(requested) => granted.iter().filter(|g| requested.contains(g)).cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_narrows() {
        assert_eq!(parse_scope(" read  write read ").unwrap(), vec!["read", "write"]);
        assert!(parse_scope("read \"x\"").is_err());
        assert!(parse_scope("caf\u{e9}").is_err());
        let many: Vec<String> = (0..=MAX_SCOPE_TOKENS).map(|i| format!("s{i}")).collect();
        assert!(parse_scope(&many.join(" ")).is_err());
        assert!(parse_scope(&many[1..].join(" ")).is_ok());
        let granted = parse_scope("read write").unwrap();
        assert_eq!(narrow_scope(&granted, Some(&parse_scope("read admin").unwrap())), vec!["read"]);
        assert_eq!(narrow_scope(&granted, None), granted);
    }
}
