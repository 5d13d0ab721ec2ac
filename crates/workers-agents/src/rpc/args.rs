//! Typed RPC arguments: a client's positional JSON `args` array decoded into a
//! Rust tuple, with errors that name the method and the argument. Pure.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// Positional arguments of a callable method: `()`, `(A,)`, `(A, B)`, … up to
/// eight. A missing trailing argument decodes from `null` (so `Option<T>`
/// arguments may be left out, as in JavaScript); extra arguments are an error.
pub trait RpcArgs: Sized {
    /// How many arguments the method takes.
    const ARITY: usize;
    /// Decodes the client's arguments for `method`.
    fn from_args(method: &str, args: Vec<Value>) -> Result<Self, String>;
}

fn too_many(method: &str, arity: usize, got: usize) -> String {
    let plural = if arity == 1 { "" } else { "s" };
    format!("Method {method} takes {arity} argument{plural}, got {got}")
}

fn decode<T: DeserializeOwned>(method: &str, position: usize, value: Value) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| format!("Invalid argument {position} of {method}: {e}"))
}

impl RpcArgs for () {
    const ARITY: usize = 0;
    fn from_args(method: &str, args: Vec<Value>) -> Result<Self, String> {
        if args.is_empty() {
            Ok(())
        } else {
            Err(too_many(method, 0, args.len()))
        }
    }
}

macro_rules! tuple_args {
    ($arity:literal; $($name:ident),+) => {
        impl<$($name: DeserializeOwned),+> RpcArgs for ($($name,)+) {
            const ARITY: usize = $arity;
            fn from_args(method: &str, args: Vec<Value>) -> Result<Self, String> {
                if args.len() > $arity {
                    return Err(too_many(method, $arity, args.len()));
                }
                let mut args = args.into_iter();
                let mut position = 0;
                Ok(($({
                    position += 1;
                    decode::<$name>(method, position, args.next().unwrap_or(Value::Null))?
                },)+))
            }
        }
    };
}

tuple_args!(1; A);
tuple_args!(2; A, B);
tuple_args!(3; A, B, C);
tuple_args!(4; A, B, C, D);
tuple_args!(5; A, B, C, D, E);
tuple_args!(6; A, B, C, D, E, F);
tuple_args!(7; A, B, C, D, E, F, G);
tuple_args!(8; A, B, C, D, E, F, G, H);

/// Encodes a method's return value as JSON text; `()` becomes "no result"
/// (the reference omits `result` when a method returns `undefined`).
pub(crate) fn encode_result<R: Serialize + 'static>(value: &R) -> Result<Option<Box<RawValue>>, String> {
    if std::any::TypeId::of::<R>() == std::any::TypeId::of::<()>() {
        return Ok(None);
    }
    serde_json::value::to_raw_value(value).map(Some).map_err(|e| format!("Result could not be encoded: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_tuples() {
        let (a, b) = <(i64, String)>::from_args("m", vec![json!(1), json!("x")]).unwrap();
        assert_eq!((a, b.as_str()), (1, "x"));
        <()>::from_args("m", vec![]).unwrap();
    }

    #[test]
    fn missing_optional_argument_is_none() {
        let (a, b) = <(i64, Option<i64>)>::from_args("m", vec![json!(1)]).unwrap();
        assert_eq!((a, b), (1, None));
    }

    #[test]
    fn errors_name_method_and_position() {
        let err = <(i64, i64)>::from_args("add", vec![json!(1), json!("two")]).unwrap_err();
        assert!(err.starts_with("Invalid argument 2 of add: invalid type: string \"two\""), "{err}");
        let err = <(i64,)>::from_args("inc", vec![]).unwrap_err();
        assert!(err.starts_with("Invalid argument 1 of inc: invalid type: null"), "{err}");
        assert_eq!(
            <(i64,)>::from_args("inc", vec![json!(1), json!(2)]).unwrap_err(),
            "Method inc takes 1 argument, got 2"
        );
        assert_eq!(<()>::from_args("ping", vec![json!(1)]).unwrap_err(), "Method ping takes 0 arguments, got 1");
    }

    #[test]
    fn unit_results_are_omitted() {
        let text = |r: Option<Box<RawValue>>| r.map(|r| r.get().to_owned());
        assert_eq!(text(encode_result(&()).unwrap()), None);
        assert_eq!(text(encode_result(&Option::<i32>::None).unwrap()).as_deref(), Some("null"));
        assert_eq!(text(encode_result(&json!({"a": [5]})).unwrap()).as_deref(), Some(r#"{"a":[5]}"#));
    }
}
