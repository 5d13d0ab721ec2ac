//! The named declarations: every schema with a `title`, hoisted out of the
//! schemas it appears in, the same type declared once.
//!
//! When is a titled schema "the same type" as another of its title? A
//! recursive type's schema is cut off at [`MAX_SCHEMA_DEPTH`](crate::MAX_SCHEMA_DEPTH)
//! with `{}`, so its copies nested inside it, and its copies at other depths
//! elsewhere, are not equal as JSON. So:
//! - inside a titled schema, one of the same title is the type itself (a
//!   recursive reference), whatever its cut-off contents;
//! - two titled schemas are the same type when they have the same title and
//!   the same contents, where the titled schemas in them (now references)
//!   compare as the same type in turn. This is the coarsest such partition
//!   (Moore's refinement), so mutually recursive types are found the same too.
//!
//! Different types of one title (a generic type's instances, or two Rust
//! types of the same name) keep that name in order of first appearance:
//! `Page`, `Page2`, ….

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::names::{type_name, Taken};

/// The key of the object that stands for a titled schema once hoisted:
/// `{"$declaration": index}`, the index of its [`Definition`].
const REFERENCE: &str = "$declaration";

/// One titled schema as found, before the same types are merged.
#[derive(Debug)]
struct Definition {
    title: String,
    doc: String,
    /// The schema without `title` and `description`, its titled schemas replaced by references.
    body: Value,
}

/// The titled schemas found so far.
#[derive(Debug, Default)]
pub(super) struct Definitions(Vec<Definition>);

/// A declaration to write: one type, however often it appeared.
#[derive(Debug)]
pub(super) struct Declaration {
    /// Its name, unique in the module.
    pub(super) name: String,
    /// Its title's schema's `description`, at its first appearance.
    pub(super) doc: String,
    /// Its schema, with references ([`reference`]) for the titled schemas in it.
    pub(super) body: Value,
    /// The index of its first appearance, to place it after what came before.
    pub(super) first: usize,
}

/// The declarations, and the name each titled schema found refers to.
#[derive(Debug)]
pub(super) struct Declarations {
    /// In order of first appearance.
    pub(super) list: Vec<Declaration>,
    /// The name of each [`Definition`], by its index.
    pub(super) names: Vec<String>,
}

/// The index a reference stands for, if `schema` is one.
pub(super) fn reference(schema: &Value) -> Option<usize> {
    let map = schema.as_object()?;
    if map.len() != 1 {
        return None;
    }
    map.get(REFERENCE)?.as_u64().map(|i| i as usize)
}

fn make_reference(index: usize) -> Value {
    Value::Object(Map::from_iter([(REFERENCE.to_owned(), Value::from(index))]))
}

/// The keywords whose values are schemas, one or a list or a map of them.
const SCHEMA: &[&str] = &["items", "additionalProperties", "not"];
const SCHEMA_LIST: &[&str] = &["prefixItems", "anyOf", "oneOf", "allOf"];
const SCHEMA_MAP: &[&str] = &["properties"];

/// `schema` with `f` applied to each schema directly in it.
fn map_children(schema: &Value, f: &mut dyn FnMut(&Value) -> Value) -> Value {
    let Some(map) = schema.as_object() else { return schema.clone() };
    let mut out = Map::new();
    for (k, v) in map {
        let v = match v {
            Value::Object(_) if SCHEMA.contains(&k.as_str()) => f(v),
            Value::Array(list) if SCHEMA_LIST.contains(&k.as_str()) => Value::Array(list.iter().map(&mut *f).collect()),
            Value::Object(props) if SCHEMA_MAP.contains(&k.as_str()) => {
                Value::Object(props.iter().map(|(name, s)| (name.clone(), f(s))).collect())
            }
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    Value::Object(out)
}

impl Definitions {
    /// How many titled schemas were found so far: the index the next one gets.
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    /// `schema` with each titled schema in it (itself included) recorded and
    /// replaced by a reference.
    pub(super) fn collect(&mut self, schema: &Value) -> Value {
        self.hoist(schema, &mut Vec::new())
    }

    /// `open`: the titles being hoisted around `schema`, with their indexes.
    fn hoist(&mut self, schema: &Value, open: &mut Vec<(String, usize)>) -> Value {
        let Some(title) = schema.get("title").and_then(Value::as_str) else {
            return map_children(schema, &mut |s| self.hoist(s, open));
        };
        if let Some(&(_, index)) = open.iter().rev().find(|(t, _)| t == title) {
            return make_reference(index);
        }
        let index = self.0.len();
        let doc = schema.get("description").and_then(Value::as_str).unwrap_or_default().to_owned();
        self.0.push(Definition { title: title.to_owned(), doc, body: Value::Null });
        let mut body = schema.clone();
        if let Some(map) = body.as_object_mut() {
            map.remove("title");
            map.remove("description");
        }
        open.push((title.to_owned(), index));
        let body = map_children(&body, &mut |s| self.hoist(s, open));
        open.pop();
        self.0[index].body = body;
        make_reference(index)
    }

    /// Merges the same types and names each, with names from `taken`.
    pub(super) fn declare(self, taken: &mut Taken) -> Declarations {
        let class = same_types(&self.0);
        let mut list: Vec<Declaration> = Vec::new();
        for (index, definition) in self.0.into_iter().enumerate() {
            if class[index] == list.len() {
                let name = taken.claim(&type_name(&definition.title));
                list.push(Declaration { name, doc: definition.doc, body: definition.body, first: index });
            }
        }
        let names = class.iter().map(|&c| list[c].name.clone()).collect();
        Declarations { list, names }
    }
}

/// `schema` with each reference replaced by `f` of its index.
fn replace_references(schema: &Value, f: &dyn Fn(usize) -> Value) -> Value {
    match reference(schema) {
        Some(index) => f(index),
        None => map_children(schema, &mut |s| replace_references(s, f)),
    }
}

/// Each definition's class of the same type, numbered in order of first
/// appearance (so a definition whose class is new is numbered the count of
/// classes before it).
fn same_types(definitions: &[Definition]) -> Vec<usize> {
    let mut class = vec![0; definitions.len()];
    let mut count = usize::from(!definitions.is_empty());
    loop {
        let mut ids: HashMap<String, usize> = HashMap::new();
        let next: Vec<usize> = definitions
            .iter()
            .zip(&class)
            .map(|(d, c)| {
                let body = replace_references(&d.body, &|i| Value::from(class[i]));
                let key = format!("{c}\0{}\0{body}", d.title);
                let id = ids.len();
                *ids.entry(key).or_insert(id)
            })
            .collect();
        if ids.len() == count {
            return next;
        }
        count = ids.len();
        class = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn declare(schemas: &[Value]) -> (Vec<Value>, Declarations) {
        let mut definitions = Definitions::default();
        let collected = schemas.iter().map(|s| definitions.collect(s)).collect();
        (collected, definitions.declare(&mut Taken::declarations()))
    }

    #[test]
    fn titled_schemas_become_references() {
        let point = json!({"title": "Point", "description": "A point.", "type": "object",
            "properties": {"x": {"type": "number"}}});
        let (collected, declarations) = declare(&[json!({"type": "array", "items": point})]);
        assert_eq!(collected[0], json!({"type": "array", "items": {"$declaration": 0}}));
        assert_eq!(declarations.list.len(), 1);
        assert_eq!(declarations.list[0].name, "Point");
        assert_eq!(declarations.list[0].doc, "A point.");
        assert_eq!(declarations.list[0].body, json!({"type": "object", "properties": {"x": {"type": "number"}}}));
    }

    #[test]
    fn equal_titles_and_contents_are_one_type_others_are_numbered() {
        let a = json!({"title": "Page", "type": "object", "properties": {"item": {"type": "string"}}});
        let b = json!({"title": "Page", "type": "object", "properties": {"item": {"type": "number"}}});
        let (_, declarations) = declare(&[a.clone(), b, a]);
        let names: Vec<_> = declarations.list.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["Page", "Page2"]);
        assert_eq!(declarations.names, ["Page", "Page2", "Page"]);
    }

    /// A `Tree { children: Vec<Tree> }` schema cut off after `depth` levels.
    fn tree(depth: usize) -> Value {
        if depth == 0 {
            return json!({});
        }
        json!({"title": "Tree", "type": "object", "properties": {"children": {"type": "array", "items": tree(depth - 1)}}})
    }

    #[test]
    fn recursive_types_cut_off_at_different_depths_are_one_type() {
        let (collected, declarations) = declare(&[tree(5), tree(3)]);
        assert_eq!(collected, [json!({"$declaration": 0}), json!({"$declaration": 1})]);
        assert_eq!(declarations.list.len(), 1);
        assert_eq!(
            declarations.list[0].body,
            json!({"type": "object", "properties": {"children": {"type": "array", "items": {"$declaration": 0}}}})
        );
        assert_eq!(declarations.names, ["Tree", "Tree"]);
    }

    #[test]
    fn mutually_recursive_types_are_found_the_same() {
        fn a(depth: usize) -> Value {
            if depth == 0 {
                return json!({});
            }
            json!({"title": "A", "type": "object", "properties": {"b": {"title": "B", "type": "object",
                "properties": {"a": a(depth - 1), "n": {"type": "null"}}}}})
        }
        let (_, declarations) = declare(&[a(4), a(2)]);
        let names: Vec<_> = declarations.list.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(declarations.names, ["A", "B", "A", "B"]);
    }
}
