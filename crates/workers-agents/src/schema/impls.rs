//! [`Schema`] for the standard types serde writes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{json, Value};

use super::{nested, Schema};

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl Schema for $t {
            fn schema() -> Value {
                json!({ "type": "integer", "minimum": <$t>::MIN, "maximum": <$t>::MAX })
            }
        }
    )*};
}

// 64-bit and wider bounds pass a JS number's exact range: only the type.
macro_rules! wide_integer {
    ($($t:ty),*) => {$(
        impl Schema for $t {
            fn schema() -> Value {
                if <$t>::MIN == 0 as $t { json!({ "type": "integer", "minimum": 0 }) } else { json!({ "type": "integer" }) }
            }
        }
    )*};
}

integer!(i8, i16, i32, u8, u16, u32);
wide_integer!(i64, i128, isize, u64, u128, usize);

impl Schema for f32 {
    fn schema() -> Value {
        json!({ "type": "number" })
    }
}

impl Schema for f64 {
    fn schema() -> Value {
        json!({ "type": "number" })
    }
}

impl Schema for bool {
    fn schema() -> Value {
        json!({ "type": "boolean" })
    }
}

impl Schema for String {
    fn schema() -> Value {
        json!({ "type": "string" })
    }
}

impl Schema for str {
    fn schema() -> Value {
        json!({ "type": "string" })
    }
}

impl Schema for char {
    fn schema() -> Value {
        json!({ "type": "string", "minLength": 1, "maxLength": 1 })
    }
}

impl Schema for () {
    fn schema() -> Value {
        json!({ "type": "null" })
    }
}

impl Schema for Value {
    fn schema() -> Value {
        json!({})
    }
}

impl<T: Schema> Schema for Option<T> {
    fn schema() -> Value {
        let inner = nested::<T>();
        match inner.get("type") {
            Some(Value::String(t)) if t != "null" => {
                let mut schema = inner.clone();
                schema["type"] = json!([t, "null"]);
                schema
            }
            _ if inner.as_object().is_some_and(|o| o.is_empty()) => inner,
            _ => json!({ "anyOf": [inner, { "type": "null" }] }),
        }
    }

    fn optional() -> bool {
        true
    }
}

impl<T: Schema + ?Sized> Schema for &T {
    fn schema() -> Value {
        T::schema()
    }
    fn optional() -> bool {
        T::optional()
    }
}

macro_rules! transparent {
    ($($wrapper:ident),*) => {$(
        impl<T: Schema + ?Sized> Schema for $wrapper<T> {
            fn schema() -> Value {
                T::schema()
            }
            fn optional() -> bool {
                T::optional()
            }
        }
    )*};
}

use std::rc::Rc;
use std::sync::Arc;
transparent!(Box, Rc, Arc);

fn array_of<T: Schema + ?Sized>() -> Value {
    json!({ "type": "array", "items": nested::<T>() })
}

impl<T: Schema> Schema for Vec<T> {
    fn schema() -> Value {
        array_of::<T>()
    }
}

impl<T: Schema> Schema for [T] {
    fn schema() -> Value {
        array_of::<T>()
    }
}

impl<T: Schema, const N: usize> Schema for [T; N] {
    fn schema() -> Value {
        let mut schema = array_of::<T>();
        schema["minItems"] = json!(N);
        schema["maxItems"] = json!(N);
        schema
    }
}

fn set_of<T: Schema>() -> Value {
    let mut schema = array_of::<T>();
    schema["uniqueItems"] = json!(true);
    schema
}

impl<T: Schema, S> Schema for HashSet<T, S> {
    fn schema() -> Value {
        set_of::<T>()
    }
}

impl<T: Schema> Schema for BTreeSet<T> {
    fn schema() -> Value {
        set_of::<T>()
    }
}

fn map_of<V: Schema>() -> Value {
    json!({ "type": "object", "additionalProperties": nested::<V>() })
}

impl<K, V: Schema, S> Schema for HashMap<K, V, S> {
    fn schema() -> Value {
        map_of::<V>()
    }
}

impl<K, V: Schema> Schema for BTreeMap<K, V> {
    fn schema() -> Value {
        map_of::<V>()
    }
}

impl Schema for serde_json::Map<String, Value> {
    fn schema() -> Value {
        json!({ "type": "object" })
    }
}

macro_rules! tuple {
    ($($name:ident),+) => {
        impl<$($name: Schema),+> Schema for ($($name,)+) {
            fn schema() -> Value {
                let items = vec![$(nested::<$name>()),+];
                let n = items.len();
                json!({ "type": "array", "prefixItems": items, "items": false, "minItems": n, "maxItems": n })
            }
        }
    };
}

tuple!(A);
tuple!(A, B);
tuple!(A, B, C);
tuple!(A, B, C, D);
tuple!(A, B, C, D, E);
tuple!(A, B, C, D, E, F);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives() {
        assert_eq!(u8::schema(), json!({"type": "integer", "minimum": 0, "maximum": 255}));
        assert_eq!(i64::schema(), json!({"type": "integer"}));
        assert_eq!(u64::schema(), json!({"type": "integer", "minimum": 0}));
        assert_eq!(String::schema(), json!({"type": "string"}));
        assert_eq!(<()>::schema(), json!({"type": "null"}));
    }

    #[test]
    fn options_allow_null_and_are_optional() {
        assert_eq!(Option::<i64>::schema(), json!({"type": ["integer", "null"]}));
        assert!(Option::<i64>::optional());
        assert!(!i64::optional());
        assert_eq!(Option::<(i64,)>::schema()["type"], json!(["array", "null"]));
        assert_eq!(Option::<Option<Value>>::schema(), json!({}));
        assert_eq!(Option::<Value>::schema(), json!({}));
    }

    #[test]
    fn containers() {
        assert_eq!(Vec::<bool>::schema(), json!({"type": "array", "items": {"type": "boolean"}}));
        assert_eq!(
            HashMap::<String, f64>::schema(),
            json!({"type": "object", "additionalProperties": {"type": "number"}})
        );
        assert_eq!(<(i64, String)>::schema()["prefixItems"][1], json!({"type": "string"}));
    }

    struct Tree;
    impl Schema for Tree {
        fn schema() -> Value {
            json!({"type": "object", "properties": {"children": nested::<Vec<Tree>>()}})
        }
    }

    #[test]
    fn recursive_types_stop_at_the_depth_limit() {
        let schema = Tree::schema();
        let mut depth = 0;
        let mut at = &schema;
        while let Some(next) = at.pointer("/properties/children/items") {
            at = next;
            depth += 1;
        }
        assert!(depth > 1 && depth <= super::super::MAX_SCHEMA_DEPTH, "{depth}");
    }
}
