//! `#[derive(Schema)]` follows serde: names, optional fields, enums, docs.

use serde::{Deserialize, Serialize};
use serde_json::json;
use workers_agents::Schema;

/// A profile.
#[allow(dead_code)]
#[derive(Serialize, Deserialize, Schema)]
#[serde(rename_all = "camelCase")]
struct Profile {
    /// Shown to others.
    display_name: String,
    #[schema(minimum = 0, maximum = 150)]
    age: Option<u8>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(rename = "kind")]
    level: Level,
    #[serde(skip)]
    cache: u32,
}

#[allow(dead_code)]
#[derive(Serialize, Deserialize, Schema)]
#[serde(rename_all = "lowercase")]
enum Level {
    Low,
    High,
}

#[allow(dead_code)]
#[derive(Serialize, Deserialize, Schema)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Shape {
    Circle { radius: f64 },
    Empty,
}

#[allow(dead_code)]
#[derive(Serialize, Deserialize, Schema)]
enum Event {
    Ping,
    Moved(i32, i32),
}

#[derive(Serialize, Deserialize, Schema)]
struct Meters(f64);

#[test]
fn structs_follow_serde_names_and_optional_fields() {
    assert_eq!(
        Profile::schema(),
        json!({
            "title": "Profile",
            "description": "A profile.",
            "type": "object",
            "properties": {
                "displayName": { "type": "string", "description": "Shown to others." },
                "age": { "type": ["integer", "null"], "minimum": 0, "maximum": 150 },
                "tags": { "type": "array", "items": { "type": "string" } },
                "kind": { "title": "Level", "type": "string", "enum": ["low", "high"] },
            },
            "required": ["displayName", "kind"],
        })
    );
}

#[test]
fn enums_follow_serde_tagging() {
    let shape = Shape::schema();
    assert_eq!(shape["title"], "Shape");
    assert_eq!(shape["oneOf"][0]["properties"]["type"], json!({ "type": "string", "const": "circle" }));
    assert_eq!(shape["oneOf"][0]["required"], json!(["type", "radius"]));
    assert_eq!(shape["oneOf"][1]["properties"]["type"]["const"], "empty");
    let event = Event::schema();
    assert_eq!(event["oneOf"][0], json!({ "type": "string", "const": "Ping" }));
    assert_eq!(
        event["oneOf"][1]["properties"]["Moved"]["prefixItems"][1],
        json!({ "type": "integer", "minimum": i32::MIN, "maximum": i32::MAX })
    );
    assert_eq!(Meters::schema(), json!({ "type": "number", "title": "Meters" }));
}
