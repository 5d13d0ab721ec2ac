//! JSON-RPC bodies (`mcp/jsonrpc.rs`): any text gets a message or one of the
//! two refusals; every message a client may send reads back as sent; a
//! batch is taken whole up to its bound and refused whole above it.

use serde_json::{json, Map, Value};

use super::{check, Rng};
use crate::mcp::jsonrpc::{
    error_response, negotiate_version, parse_body, result_response, Body, Message, RpcError, INVALID_REQUEST,
    MAX_BATCH, PARSE_ERROR, PROTOCOL_VERSIONS,
};

fn id(rng: &mut Rng) -> Value {
    match rng.below(3) {
        0 => json!(rng.text(10)),
        1 => json!(rng.next_u64()),
        _ => json!(rng.range(i64::MIN / 2, 0)),
    }
}

fn params(rng: &mut Rng) -> Option<Value> {
    (!rng.one_in(3)).then(|| rng.json(3))
}

/// A valid message and its wire text (fields in a random order, extras included).
fn message(rng: &mut Rng) -> (Message, Value) {
    let mut object = Map::new();
    object.insert("jsonrpc".into(), json!("2.0"));
    let message = match rng.below(4) {
        0 | 1 => {
            let (id, method, params) = (id(rng), rng.text(12), params(rng));
            object.insert("id".into(), id.clone());
            object.insert("method".into(), json!(method));
            if let Some(params) = &params {
                object.insert("params".into(), params.clone());
            }
            Message::Request { id, method, params: params.unwrap_or(Value::Null) }
        }
        2 => {
            let (method, params) = (rng.text(12), params(rng));
            object.insert("method".into(), json!(method));
            if let Some(params) = &params {
                object.insert("params".into(), params.clone());
            }
            Message::Notification { method, params: params.unwrap_or(Value::Null) }
        }
        _ => {
            let id = id(rng);
            object.insert("id".into(), id.clone());
            let outcome = if rng.one_in(2) {
                let result = rng.json(3);
                object.insert("result".into(), result.clone());
                Ok(result)
            } else {
                let error = rpc_error(rng);
                object.insert("error".into(), serde_json::to_value(&error).expect("serializes"));
                Err(error)
            };
            Message::Response { id, outcome }
        }
    };
    if rng.one_in(4) {
        object.insert(format!("x-{}", rng.ident(4)), rng.json(1));
    }
    (message, Value::Object(object))
}

fn rpc_error(rng: &mut Rng) -> RpcError {
    let mut error = RpcError::new(rng.range(-33000, 33000), rng.text(16));
    // `"data": null` reads back as no data, so data is absent or not null.
    error.data = rng.one_in(2).then(|| json!({ "detail": rng.json(2) }));
    error
}

#[test]
fn any_text_is_a_message_or_a_clear_refusal() {
    check("jsonrpc_any_text", 4000, |rng| {
        let text = if rng.one_in(2) {
            String::from_utf8_lossy(&rng.bytes(64)).into_owned()
        } else {
            let (_, wire) = message(rng);
            let wire = if rng.one_in(3) { json!([wire, rng.json(2)]) } else { wire };
            String::from_utf8_lossy(&rng.mutate(wire.to_string().as_bytes())).into_owned()
        };
        let is_json = serde_json::from_str::<Value>(&text).is_ok();
        match parse_body(&text) {
            Err(refusal) => {
                assert_eq!(refusal["jsonrpc"], "2.0");
                assert_eq!(refusal["id"], Value::Null);
                let code = refusal["error"]["code"].as_i64().expect("a code");
                assert_eq!(code, if is_json { INVALID_REQUEST } else { PARSE_ERROR }, "text: {text:?}");
                assert!(refusal["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
            }
            Ok(body) => {
                assert!(is_json);
                let messages = match body {
                    Body::Single(message) => vec![message],
                    Body::Batch(messages) => messages,
                };
                for message in messages {
                    if let Message::Invalid { id, error } = message {
                        assert_eq!(error.code, INVALID_REQUEST);
                        assert!(id.is_null() || id.is_string() || id.is_i64() || id.is_u64(), "id: {id}");
                    }
                }
            }
        }
    });
}

#[test]
fn every_valid_message_reads_back_as_sent() {
    check("jsonrpc_round_trip", 4000, |rng| {
        let (message, wire) = message(rng);
        let text = if rng.one_in(2) { wire.to_string() } else { serde_json::to_string_pretty(&wire).expect("writes") };
        assert_eq!(parse_body(&text), Ok(Body::Single(message)), "text: {text}");
    });
}

#[test]
fn the_servers_own_responses_read_back_as_responses() {
    check("jsonrpc_responses", 3000, |rng| {
        let id = id(rng);
        let result = rng.json(3);
        let text = result_response(&id, result.clone()).to_string();
        assert_eq!(parse_body(&text), Ok(Body::Single(Message::Response { id: id.clone(), outcome: Ok(result) })));
        let error = rpc_error(rng);
        let text = error_response(&id, &error).to_string();
        assert_eq!(parse_body(&text), Ok(Body::Single(Message::Response { id, outcome: Err(error) })));
    });
}

#[test]
fn a_batch_is_taken_whole_up_to_its_bound_and_refused_whole_above_it() {
    check("jsonrpc_batch_bound", 300, |rng| {
        let len = match rng.below(3) {
            0 => rng.range(1, MAX_BATCH as i64) as usize,
            1 => rng.range(MAX_BATCH as i64 - 2, MAX_BATCH as i64 + 2) as usize,
            _ => rng.range(MAX_BATCH as i64 + 1, 3 * MAX_BATCH as i64) as usize,
        };
        let (messages, wire): (Vec<Message>, Vec<Value>) = (0..len).map(|_| message(rng)).unzip();
        let text = Value::Array(wire).to_string();
        if len <= MAX_BATCH {
            assert_eq!(parse_body(&text), Ok(Body::Batch(messages)));
        } else {
            let refusal = parse_body(&text).expect_err("over the bound");
            assert_eq!(refusal["error"]["code"], INVALID_REQUEST);
            assert_eq!(refusal["id"], Value::Null);
        }
    });
}

#[test]
fn an_invalid_message_never_takes_the_batch_down() {
    check("jsonrpc_batch_items", 2000, |rng| {
        let items: Vec<(Option<Message>, Value)> = (0..rng.range(1, 8))
            .map(|_| {
                if rng.one_in(3) {
                    // Not an object, or an object with a wrong jsonrpc version.
                    let bad = if rng.one_in(2) { json!([rng.json(1)]) } else { json!({"jsonrpc": "1.0", "id": 1}) };
                    (None, bad)
                } else {
                    let (message, wire) = message(rng);
                    (Some(message), wire)
                }
            })
            .collect();
        let text = Value::Array(items.iter().map(|(_, wire)| wire.clone()).collect()).to_string();
        let Ok(Body::Batch(parsed)) = parse_body(&text) else { panic!("not a batch: {text}") };
        assert_eq!(parsed.len(), items.len());
        for ((expect, _), got) in items.into_iter().zip(parsed) {
            match expect {
                Some(message) => assert_eq!(got, message),
                None => assert!(matches!(got, Message::Invalid { error, .. } if error.code == INVALID_REQUEST)),
            }
        }
    });
}

#[test]
fn negotiation_answers_the_requested_version_or_the_newest() {
    check("jsonrpc_negotiate", 2000, |rng| {
        let requested = if rng.one_in(2) { rng.pick(&PROTOCOL_VERSIONS).to_owned() } else { rng.text(10) };
        let answer = negotiate_version(Some(&requested));
        if PROTOCOL_VERSIONS.contains(&requested.as_str()) {
            assert_eq!(answer, requested);
        } else {
            assert_eq!(answer, PROTOCOL_VERSIONS[0]);
        }
    });
}
