//! Checks a JSON value against the JSON Schema subset tool inputs use:
//! `type`, `properties`, `required`, `additionalProperties`, `items`,
//! `enum`, `const`, numeric and length bounds, `anyOf`/`oneOf`/`allOf`/`not`.
//! Other keywords (`$schema`, `$ref`, `format`, `pattern`, ...) are accepted
//! without checks, so any valid schema can be published intact. Pure: tested
//! natively.

use serde_json::{Map, Value};

/// Checks `value` against `schema`. `Err` names the first violation with its
/// path, e.g. `arguments.count: expected integer, got string`.
pub(crate) fn validate(schema: &Value, value: &Value) -> Result<(), String> {
    check(schema, value, "arguments")
}

fn check(schema: &Value, value: &Value, path: &str) -> Result<(), String> {
    let rules = match schema {
        Value::Bool(true) => return Ok(()),
        Value::Bool(false) => return Err(format!("{path}: no value is allowed here")),
        Value::Object(rules) => rules,
        _ => return Ok(()),
    };
    if let Some(types) = rules.get("type") {
        check_type(types, value, path)?;
    }
    if let Some(Value::Array(allowed)) = rules.get("enum") {
        if !allowed.contains(value) {
            return Err(format!("{path}: must be one of {}", Value::Array(allowed.clone())));
        }
    }
    if let Some(expected) = rules.get("const") {
        if expected != value {
            return Err(format!("{path}: must be {expected}"));
        }
    }
    match value {
        Value::Object(object) => check_object(rules, object, path)?,
        Value::Array(items) => check_array(rules, items, path)?,
        Value::String(text) => check_length(rules, text.chars().count(), "minLength", "maxLength", "characters", path)?,
        Value::Number(number) => check_number(rules, number.as_f64().unwrap_or(f64::NAN), path)?,
        _ => {}
    }
    check_combinators(rules, value, path)
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => true,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check_type(types: &Value, value: &Value, path: &str) -> Result<(), String> {
    let ok = match types {
        Value::String(name) => type_matches(name, value),
        Value::Array(names) => names.iter().filter_map(Value::as_str).any(|name| type_matches(name, value)),
        _ => true,
    };
    if ok {
        return Ok(());
    }
    let expected = match types {
        Value::String(name) => name.clone(),
        other => other.to_string(),
    };
    Err(format!("{path}: expected {expected}, got {}", type_name(value)))
}

fn check_object(rules: &Map<String, Value>, object: &Map<String, Value>, path: &str) -> Result<(), String> {
    if let Some(Value::Array(required)) = rules.get("required") {
        for name in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(name) {
                return Err(format!("{path}.{name}: required"));
            }
        }
    }
    let properties = rules.get("properties").and_then(Value::as_object);
    for (key, item) in object {
        let item_path = format!("{path}.{key}");
        match properties.and_then(|p| p.get(key)) {
            Some(schema) => check(schema, item, &item_path)?,
            None => match rules.get("additionalProperties") {
                Some(Value::Bool(false)) => return Err(format!("{item_path}: unexpected property")),
                Some(schema @ Value::Object(_)) => check(schema, item, &item_path)?,
                _ => {}
            },
        }
    }
    check_length(rules, object.len(), "minProperties", "maxProperties", "properties", path)
}

fn check_array(rules: &Map<String, Value>, items: &[Value], path: &str) -> Result<(), String> {
    if let Some(schema) = rules.get("items") {
        for (index, item) in items.iter().enumerate() {
            check(schema, item, &format!("{path}[{index}]"))?;
        }
    }
    if rules.get("uniqueItems") == Some(&Value::Bool(true)) {
        for (index, item) in items.iter().enumerate() {
            if items[..index].contains(item) {
                return Err(format!("{path}[{index}]: duplicate item"));
            }
        }
    }
    check_length(rules, items.len(), "minItems", "maxItems", "items", path)
}

fn check_length(
    rules: &Map<String, Value>,
    len: usize,
    min: &str,
    max: &str,
    unit: &str,
    path: &str,
) -> Result<(), String> {
    if let Some(min) = rules.get(min).and_then(Value::as_u64) {
        if (len as u64) < min {
            return Err(format!("{path}: must have at least {min} {unit}"));
        }
    }
    if let Some(max) = rules.get(max).and_then(Value::as_u64) {
        if len as u64 > max {
            return Err(format!("{path}: must have at most {max} {unit}"));
        }
    }
    Ok(())
}

fn check_number(rules: &Map<String, Value>, number: f64, path: &str) -> Result<(), String> {
    let bound = |key: &str| rules.get(key).and_then(Value::as_f64);
    if let Some(min) = bound("minimum").filter(|min| number < *min) {
        return Err(format!("{path}: must be >= {min}"));
    }
    if let Some(max) = bound("maximum").filter(|max| number > *max) {
        return Err(format!("{path}: must be <= {max}"));
    }
    if let Some(min) = bound("exclusiveMinimum").filter(|min| number <= *min) {
        return Err(format!("{path}: must be > {min}"));
    }
    if let Some(max) = bound("exclusiveMaximum").filter(|max| number >= *max) {
        return Err(format!("{path}: must be < {max}"));
    }
    if let Some(step) = bound("multipleOf").filter(|step| *step > 0.0) {
        if (number / step).fract().abs() > 1e-9 {
            return Err(format!("{path}: must be a multiple of {step}"));
        }
    }
    Ok(())
}

fn check_combinators(rules: &Map<String, Value>, value: &Value, path: &str) -> Result<(), String> {
    if let Some(Value::Array(all)) = rules.get("allOf") {
        for schema in all {
            check(schema, value, path)?;
        }
    }
    if let Some(Value::Array(any)) = rules.get("anyOf") {
        if !any.iter().any(|schema| check(schema, value, path).is_ok()) {
            return Err(format!("{path}: matches none of the allowed shapes (anyOf)"));
        }
    }
    if let Some(Value::Array(one)) = rules.get("oneOf") {
        let matching = one.iter().filter(|schema| check(schema, value, path).is_ok()).count();
        if matching != 1 {
            return Err(format!("{path}: must match exactly one shape (oneOf), matches {matching}"));
        }
    }
    if let Some(schema) = rules.get("not") {
        if check(schema, value, path).is_ok() {
            return Err(format!("{path}: matches a forbidden shape (not)"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn add_schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "a": {"type": "number"},
                "b": {"type": "integer", "minimum": 0, "maximum": 10},
                "tag": {"type": "string", "enum": ["x", "y"]},
                "items": {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 2}
            },
            "required": ["a"],
            "additionalProperties": false
        })
    }

    #[test]
    fn accepts_matching_values() {
        assert_eq!(validate(&add_schema(), &json!({"a": 1.5, "b": 3, "tag": "x", "items": ["q"]})), Ok(()));
        assert_eq!(validate(&add_schema(), &json!({"a": 0})), Ok(()));
        assert_eq!(validate(&json!({}), &json!("anything")), Ok(()));
        assert_eq!(validate(&json!(true), &json!(null)), Ok(()));
    }

    #[test]
    fn names_the_first_violation_with_its_path() {
        let schema = add_schema();
        let err = |value: Value| validate(&schema, &value).unwrap_err();
        assert_eq!(err(json!({})), "arguments.a: required");
        assert_eq!(err(json!({"a": "1"})), "arguments.a: expected number, got string");
        assert_eq!(err(json!({"a": 1, "b": 2.5})), "arguments.b: expected integer, got number");
        assert_eq!(err(json!({"a": 1, "b": 11})), "arguments.b: must be <= 10");
        assert_eq!(err(json!({"a": 1, "b": -1})), "arguments.b: must be >= 0");
        assert_eq!(err(json!({"a": 1, "tag": "z"})), "arguments.tag: must be one of [\"x\",\"y\"]");
        assert_eq!(err(json!({"a": 1, "items": [""]})), "arguments.items[0]: must have at least 1 characters");
        assert_eq!(err(json!({"a": 1, "items": ["a", "b", "c"]})), "arguments.items: must have at most 2 items");
        assert_eq!(err(json!({"a": 1, "extra": true})), "arguments.extra: unexpected property");
        assert_eq!(err(json!([1])), "arguments: expected object, got array");
    }

    #[test]
    fn combinators_and_type_lists() {
        let schema = json!({"anyOf": [{"type": "string"}, {"type": "integer"}]});
        assert_eq!(validate(&schema, &json!(3)), Ok(()));
        assert!(validate(&schema, &json!(true)).is_err());
        let one = json!({"oneOf": [{"type": "number"}, {"type": "integer"}]});
        assert!(validate(&one, &json!(1)).unwrap_err().contains("matches 2"));
        assert_eq!(validate(&json!({"type": ["string", "null"]}), &json!(null)), Ok(()));
        assert!(validate(&json!({"not": {"type": "null"}}), &json!(null)).is_err());
        assert!(validate(&json!({"const": 4}), &json!(5)).is_err());
        assert!(validate(&json!({"type": "array", "uniqueItems": true}), &json!([1, 1])).is_err());
    }

    #[test]
    fn unknown_keywords_pass_through() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"when": {"type": "string", "format": "date-time", "pattern": "^x"}},
            "$defs": {"unused": {"type": "string"}}
        });
        assert_eq!(validate(&schema, &json!({"when": "2026-01-01"})), Ok(()));
    }
}
