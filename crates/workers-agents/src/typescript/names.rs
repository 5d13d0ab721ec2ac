//! TypeScript names: identifiers made from Rust names, kept apart from the
//! reserved words, the names the declarations use, and each other.

use std::collections::HashSet;

use serde_json::Value;

/// Words that cannot name a declaration or a parameter (JavaScript's
/// reserved words in a module, and TypeScript's built-in type names).
const RESERVED: &[&str] = &[
    "any",
    "arguments",
    "await",
    "bigint",
    "boolean",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "never",
    "new",
    "null",
    "number",
    "object",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "string",
    "super",
    "switch",
    "symbol",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "undefined",
    "unknown",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// The global and imported types the declarations refer to: a declaration
/// of that name would shadow them.
const USED: &[&str] = &["Promise", "Record", "StreamingResponse"];

/// Whether `s` is a JavaScript identifier (ASCII only).
pub(super) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// A property or method key: bare when it is an identifier, quoted otherwise.
pub(super) fn key(name: &str) -> String {
    if is_identifier(name) {
        name.to_owned()
    } else {
        Value::from(name).to_string()
    }
}

/// A type name from a schema's title or a class name: the identifier parts
/// joined, each after the first capitalized (`Page<User>` → `PageUser`).
pub(super) fn type_name(title: &str) -> String {
    let mut name = String::new();
    for part in title.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$')).filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            name.push(if name.is_empty() { first } else { first.to_ascii_uppercase() });
            name.extend(chars);
        }
    }
    if name.is_empty() {
        name.push_str("Type");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// A parameter name from a Rust argument's: invalid characters become `_`,
/// a reserved word gets a trailing `_`, an empty one is `arg{position}`.
pub(super) fn param_name(name: &str, position: usize) -> String {
    let mut name: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '$' { c } else { '_' }).collect();
    if name.is_empty() || name.chars().all(|c| c == '_') {
        name = format!("arg{position}");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if RESERVED.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// The names given out so far in one scope.
#[derive(Debug, Default)]
pub(super) struct Taken(HashSet<String>);

impl Taken {
    /// A scope for the module's declarations: the reserved words and the
    /// types the declarations use are taken already.
    pub(super) fn declarations() -> Self {
        Taken(RESERVED.iter().chain(USED).map(|s| (*s).to_owned()).collect())
    }

    /// `base`, or the first of `base2`, `base3`, … not taken yet; taken from now on.
    pub(super) fn claim(&mut self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut n = 2;
        while self.0.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.0.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_identifiers() {
        assert_eq!(type_name("CounterState"), "CounterState");
        assert_eq!(type_name("Page<User>"), "PageUser");
        assert_eq!(type_name("a::b_c"), "aB_c");
        assert_eq!(type_name("2d"), "_2d");
        assert_eq!(type_name("<>"), "Type");
    }

    #[test]
    fn param_names_avoid_reserved_words() {
        assert_eq!(param_name("max_items", 0), "max_items");
        assert_eq!(param_name("default", 0), "default_");
        assert_eq!(param_name("_", 2), "arg2");
        assert_eq!(param_name("r#type", 0), "r_type");
    }

    #[test]
    fn keys_are_quoted_unless_identifiers() {
        assert_eq!(key("count"), "count");
        assert_eq!(key("default"), "default");
        assert_eq!(key("max-items"), "\"max-items\"");
    }

    #[test]
    fn claims_count_up_past_taken_names() {
        let mut taken = Taken::declarations();
        assert_eq!(taken.claim("Shape"), "Shape");
        assert_eq!(taken.claim("Shape"), "Shape2");
        assert_eq!(taken.claim("Shape"), "Shape3");
        assert_eq!(taken.claim("Promise"), "Promise2");
        assert_eq!(taken.claim("string"), "string2");
    }
}
