//! A JSON Schema (as the [`Schema`](crate::Schema) impls write them) as a
//! TypeScript type.
//!
//! | schema | type |
//! |---|---|
//! | `integer`, `number` / `string` / `boolean` / `null` | `number` / `string` / `boolean` / `null` |
//! | `enum`, `const` | a union of literals, a literal |
//! | `array` with `items` / `prefixItems` | `T[]` / `[A, B]` |
//! | `object` with `properties` | `{ a: T; b?: U }` (`b` not `required`) |
//! | `object` with only `additionalProperties` | `Record<string, T>` |
//! | `anyOf`, `oneOf` / `allOf` / `type: [t, "null"]` | `A \| B` / `A & B` / `T \| null` |
//! | `{}`, `true` / `false` | `unknown` / `never` |
//!
//! Other keywords (bounds, formats) have no TypeScript form and are left out.

use serde_json::{Map, Value};

use super::declarations::reference;
use super::jsdoc;
use super::names::key;

/// How tightly a type binds, to put parentheses where they are needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Binding {
    Union,
    Intersection,
    Atom,
}

/// A type as text.
#[derive(Debug)]
struct Type {
    text: String,
    binding: Binding,
}

impl Type {
    fn atom(text: impl Into<String>) -> Self {
        Type { text: text.into(), binding: Binding::Atom }
    }

    /// The text, in parentheses if it binds more loosely than `binding`.
    fn at(self, binding: Binding) -> String {
        if self.binding < binding {
            format!("({})", self.text)
        } else {
            self.text
        }
    }
}

/// What types are written with: the declared names of the references, and
/// the indentation of the line the type starts on (two spaces a level).
#[derive(Debug, Clone, Copy)]
pub(super) struct Context<'a> {
    pub(super) names: &'a [String],
    pub(super) indent: usize,
}

impl Context<'_> {
    fn deeper(self) -> Self {
        Context { indent: self.indent + 1, ..self }
    }
}

/// The TypeScript type of `schema`.
pub(super) fn type_of(schema: &Value, cx: Context<'_>) -> String {
    of(schema, cx).text
}

/// The members of an object type, one a line at `cx.indent`, if `schema`
/// is an object with properties (written as an interface when declared).
pub(super) fn interface_members(schema: &Value, cx: Context<'_>) -> Option<String> {
    let map = schema.as_object()?;
    let object = matches!(map.get("type"), Some(Value::String(t)) if t == "object") || !map.contains_key("type");
    let combined = ["anyOf", "oneOf", "allOf", "enum", "const"].iter().any(|k| map.contains_key(*k));
    if !object || combined || reference(schema).is_some() {
        return None;
    }
    let members = members(map, cx)?;
    Some(members.iter().map(|m| m.lines(cx.indent)).collect())
}

fn of(schema: &Value, cx: Context<'_>) -> Type {
    let map = match schema {
        Value::Bool(false) => return Type::atom("never"),
        Value::Object(map) => map,
        _ => return Type::atom("unknown"),
    };
    if let Some(index) = reference(schema) {
        return Type::atom(cx.names[index].clone());
    }
    if let Some(value) = map.get("const") {
        return Type::atom(value.to_string());
    }
    if let Some(Value::Array(values)) = map.get("enum") {
        return union(values.iter().map(|v| Type::atom(v.to_string())).collect());
    }
    for combinator in ["anyOf", "oneOf"] {
        if let Some(Value::Array(schemas)) = map.get(combinator) {
            return union(schemas.iter().map(|s| of(s, cx)).collect());
        }
    }
    if let Some(Value::Array(schemas)) = map.get("allOf") {
        return intersection(schemas.iter().map(|s| of(s, cx)).collect());
    }
    match map.get("type") {
        Some(Value::String(t)) => of_type(t, map, cx),
        Some(Value::Array(types)) => {
            union(types.iter().filter_map(Value::as_str).map(|t| of_type(t, map, cx)).collect())
        }
        _ if map.contains_key("properties") => object(map, cx),
        _ => Type::atom("unknown"),
    }
}

fn of_type(t: &str, map: &Map<String, Value>, cx: Context<'_>) -> Type {
    match t {
        "integer" | "number" => Type::atom("number"),
        "string" | "boolean" | "null" => Type::atom(t),
        "array" => array(map, cx),
        "object" => object(map, cx),
        _ => Type::atom("unknown"),
    }
}

fn union(members: Vec<Type>) -> Type {
    combine(members, Binding::Union, " | ", "never")
}

fn intersection(members: Vec<Type>) -> Type {
    combine(members, Binding::Intersection, " & ", "unknown")
}

/// `members` joined by `separator`, each once; `empty` when there are none.
fn combine(members: Vec<Type>, binding: Binding, separator: &str, empty: &str) -> Type {
    let mut texts: Vec<String> = Vec::new();
    for member in members {
        let text = member.at(binding);
        if !texts.contains(&text) {
            texts.push(text);
        }
    }
    match texts.len() {
        0 => Type::atom(empty),
        1 => Type::atom(texts.remove(0)),
        _ => Type { text: texts.join(separator), binding },
    }
}

fn array(map: &Map<String, Value>, cx: Context<'_>) -> Type {
    if let Some(Value::Array(prefix)) = map.get("prefixItems") {
        let mut elements: Vec<String> = prefix.iter().map(|s| type_of(s, cx)).collect();
        match map.get("items") {
            None | Some(Value::Bool(false)) => {}
            Some(rest) => elements.push(format!("...{}[]", of(rest, cx).at(Binding::Atom))),
        }
        return Type::atom(format!("[{}]", elements.join(", ")));
    }
    let items = map.get("items").map_or(Type::atom("unknown"), |s| of(s, cx));
    Type::atom(format!("{}[]", items.at(Binding::Atom)))
}

/// One member of an object type.
#[derive(Debug)]
struct Member {
    doc: String,
    /// `name?: type`
    signature: String,
}

impl Member {
    fn lines(&self, indent: usize) -> String {
        format!("{}{}{};\n", jsdoc(&self.doc, indent), "  ".repeat(indent), self.signature)
    }
}

/// The members of an object with properties, written at `cx.indent`:
/// none when it has no properties.
fn members(map: &Map<String, Value>, cx: Context<'_>) -> Option<Vec<Member>> {
    let properties = map.get("properties").and_then(Value::as_object).filter(|p| !p.is_empty())?;
    let required: Vec<&str> = map
        .get("required")
        .and_then(Value::as_array)
        .map_or(Vec::new(), |r| r.iter().filter_map(Value::as_str).collect());
    let mut members: Vec<Member> = properties
        .iter()
        .map(|(name, schema)| Member {
            doc: schema.get("description").and_then(Value::as_str).unwrap_or_default().to_owned(),
            signature: format!(
                "{}{}: {}",
                key(name),
                if required.contains(&name.as_str()) { "" } else { "?" },
                type_of(schema, cx)
            ),
        })
        .collect();
    // More properties of any type: an index signature covering the named ones too.
    if matches!(map.get("additionalProperties"), Some(Value::Object(_) | Value::Bool(true))) {
        members.push(Member { doc: String::new(), signature: "[key: string]: unknown".to_owned() });
    }
    Some(members)
}

/// Up to this long, an object type without doc comments is written on one line.
const ONE_LINE: usize = 60;

fn object(map: &Map<String, Value>, cx: Context<'_>) -> Type {
    let Some(members) = members(map, cx.deeper()) else {
        let values = match map.get("additionalProperties") {
            Some(Value::Bool(false)) => "never".to_owned(),
            Some(schema @ Value::Object(_)) => type_of(schema, cx),
            _ => "unknown".to_owned(),
        };
        return Type::atom(format!("Record<string, {values}>"));
    };
    let one_line = format!("{{ {} }}", members.iter().map(|m| m.signature.as_str()).collect::<Vec<_>>().join("; "));
    if one_line.len() <= ONE_LINE && !one_line.contains('\n') && members.iter().all(|m| m.doc.trim().is_empty()) {
        return Type::atom(one_line);
    }
    let lines: String = members.iter().map(|m| m.lines(cx.indent + 1)).collect();
    Type::atom(format!("{{\n{lines}{}}}", "  ".repeat(cx.indent)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ts(schema: Value) -> String {
        type_of(&schema, Context { names: &["Point".to_owned()], indent: 0 })
    }

    #[test]
    fn primitives() {
        assert_eq!(ts(json!({"type": "integer", "minimum": 0})), "number");
        assert_eq!(ts(json!({"type": "number"})), "number");
        assert_eq!(ts(json!({"type": "string", "minLength": 1})), "string");
        assert_eq!(ts(json!({"type": "boolean"})), "boolean");
        assert_eq!(ts(json!({"type": "null"})), "null");
        assert_eq!(ts(json!({})), "unknown");
        assert_eq!(ts(json!(true)), "unknown");
        assert_eq!(ts(json!(false)), "never");
    }

    #[test]
    fn literals() {
        assert_eq!(ts(json!({"type": "string", "enum": ["low", "high"]})), r#""low" | "high""#);
        assert_eq!(ts(json!({"const": "circle"})), r#""circle""#);
        assert_eq!(ts(json!({"const": 3})), "3");
        assert_eq!(ts(json!({"enum": []})), "never");
    }

    #[test]
    fn nullable() {
        assert_eq!(ts(json!({"type": ["integer", "null"]})), "number | null");
        assert_eq!(ts(json!({"anyOf": [{"$declaration": 0}, {"type": "null"}]})), "Point | null");
        assert_eq!(ts(json!({"type": ["array", "null"], "items": {"type": "string"}})), "string[] | null");
    }

    #[test]
    fn arrays_and_tuples() {
        assert_eq!(ts(json!({"type": "array", "items": {"type": "boolean"}})), "boolean[]");
        assert_eq!(ts(json!({"type": "array", "items": {"type": ["string", "null"]}})), "(string | null)[]");
        assert_eq!(ts(json!({"type": "array"})), "unknown[]");
        assert_eq!(
            ts(json!({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": false})),
            "[number, string]"
        );
        assert_eq!(
            ts(json!({"type": "array", "prefixItems": [{"type": "integer"}], "items": {"type": "string"}})),
            "[number, ...string[]]"
        );
    }

    #[test]
    fn objects_and_maps() {
        assert_eq!(
            ts(json!({"type": "object", "properties": {"a": {"type": "integer"}, "b-c": {"type": "string"}},
                "required": ["a"]})),
            r#"{ a: number; "b-c"?: string }"#
        );
        assert_eq!(ts(json!({"type": "object", "additionalProperties": {"type": "number"}})), "Record<string, number>");
        assert_eq!(ts(json!({"type": "object"})), "Record<string, unknown>");
        assert_eq!(ts(json!({"type": "object", "additionalProperties": false})), "Record<string, never>");
        assert_eq!(
            ts(json!({"type": "object", "properties": {"a": {"type": "null"}}, "required": ["a"],
                "additionalProperties": {"type": "string"}})),
            "{ a: null; [key: string]: unknown }"
        );
    }

    #[test]
    fn long_or_documented_objects_take_a_line_a_member() {
        let schema = json!({"type": "object", "required": ["nested"], "properties": {
            "nested": {"type": "object", "required": ["x"], "properties": {
                "x": {"type": "integer", "description": "Across."}}}}});
        assert_eq!(ts(schema), "{\n  nested: {\n    /** Across. */\n    x: number;\n  };\n}");
    }

    #[test]
    fn unions_parenthesize_intersections_of_unions_and_drop_repeats() {
        assert_eq!(ts(json!({"oneOf": [{"type": "string"}, {"type": "string"}]})), "string");
        assert_eq!(
            ts(json!({"allOf": [{"type": ["string", "null"]}, {"type": "string"}]})),
            "(string | null) & string"
        );
        assert_eq!(ts(json!({"anyOf": []})), "never");
    }
}
