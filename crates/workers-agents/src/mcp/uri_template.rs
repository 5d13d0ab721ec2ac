//! Matches resource URIs against RFC 6570 templates such as
//! `notes://{id}` or `file:///{+path}`: `{name}` takes one or more characters
//! up to the next `/` (the value is percent-decoded), `{+name}` takes any
//! characters. Pure: tested natively.

use std::collections::BTreeMap;

use crate::router::path::percent_decode;

/// The variables a URI gave a template, by name.
pub(crate) type Variables = BTreeMap<String, String>;

enum Part<'a> {
    Literal(&'a str),
    Var { name: &'a str, reserved: bool },
}

fn parts(template: &str) -> Option<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Literal(&rest[..open]));
        }
        let close = rest[open..].find('}')? + open;
        let expr = &rest[open + 1..close];
        let (name, reserved) = match expr.strip_prefix('+') {
            Some(name) => (name, true),
            None => (expr, false),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        parts.push(Part::Var { name, reserved });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest));
    }
    Some(parts)
}

/// Whether `template` is one this module can match (balanced `{name}` / `{+name}` expressions).
pub(crate) fn is_valid(template: &str) -> bool {
    parts(template).is_some()
}

/// The variables when `uri` matches `template`, else `None`.
pub(crate) fn match_uri(template: &str, uri: &str) -> Option<Variables> {
    let parts = parts(template)?;
    let mut vars = Variables::new();
    let mut rest = uri;
    for (index, part) in parts.iter().enumerate() {
        match part {
            Part::Literal(literal) => rest = rest.strip_prefix(literal)?,
            Part::Var { name, reserved } => {
                // A variable runs up to the next literal (or the end).
                let end = match parts.get(index + 1) {
                    Some(Part::Literal(next)) => rest.find(next)?,
                    Some(Part::Var { .. }) => return None,
                    None => rest.len(),
                };
                let value = &rest[..end];
                if value.is_empty() || (!reserved && value.contains('/')) {
                    return None;
                }
                vars.insert((*name).to_owned(), percent_decode(value)?);
                rest = &rest[end..];
            }
        }
    }
    rest.is_empty().then_some(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Option<Variables> {
        Some(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn matches_simple_variables() {
        assert_eq!(match_uri("notes://{id}", "notes://42"), vars(&[("id", "42")]));
        assert_eq!(match_uri("test://template/{id}/data", "test://template/7/data"), vars(&[("id", "7")]));
        assert_eq!(
            match_uri("users://{user}/posts/{post}", "users://ann/posts/9"),
            vars(&[("user", "ann"), ("post", "9")])
        );
        assert_eq!(match_uri("notes://{id}", "notes://a%20b"), vars(&[("id", "a b")]));
    }

    #[test]
    fn refuses_what_does_not_match() {
        assert_eq!(match_uri("notes://{id}", "notes://"), None);
        assert_eq!(match_uri("notes://{id}", "notes://a/b"), None);
        assert_eq!(match_uri("notes://{id}", "other://1"), None);
        assert_eq!(match_uri("test://template/{id}/data", "test://template/7/meta"), None);
        assert_eq!(match_uri("notes://{id}", "notes://%zz"), None);
    }

    #[test]
    fn reserved_variables_take_slashes() {
        assert_eq!(match_uri("file:///{+path}", "file:///a/b/c.txt"), vars(&[("path", "a/b/c.txt")]));
    }

    #[test]
    fn validates_templates() {
        assert!(is_valid("notes://{id}"));
        assert!(is_valid("plain://uri"));
        assert!(!is_valid("notes://{id"));
        assert!(!is_valid("notes://{}"));
        assert!(!is_valid("notes://{a-b}"));
    }
}
