//! Client frames (`protocol/frames.rs`): classification never panics and
//! agrees with what the frame says; every frame the server writes is JSON
//! that reads back to what went in.

use serde_json::{json, Map, Value};

use super::{check, Rng};
use crate::protocol::frames::{
    identity_frame, parse_incoming, rpc_error_frame, rpc_result_frame, state_error_frame, state_frame, Incoming,
    RpcRequest,
};

/// `entries` as a JSON object text, in the order given (duplicates kept out).
fn object_text(entries: &[(String, Value)]) -> String {
    let body: Vec<String> = entries.iter().map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), v)).collect();
    format!("{{{}}}", body.join(","))
}

/// Extra fields the protocol ignores, under names it does not read.
fn extras(rng: &mut Rng) -> Vec<(String, Value)> {
    (0..rng.len(3)).map(|i| (format!("x{i}{}", rng.ident(4)), rng.json(2))).collect()
}

fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i as u64 + 1) as usize);
    }
}

#[test]
fn classifying_any_text_never_panics_and_is_consistent() {
    check("frames_any_text", 4000, |rng| {
        let bytes = if rng.one_in(2) {
            rng.bytes(64)
        } else {
            let frame = match rng.below(3) {
                0 => state_frame(&rng.json(3).to_string()),
                1 => {
                    json!({"type": "rpc", "id": rng.text(4), "method": rng.ident(4), "args": [rng.json(2)]}).to_string()
                }
                _ => rpc_result_frame(&rng.text(4), None, true),
            };
            rng.mutate(frame.as_bytes())
        };
        let text = String::from_utf8_lossy(&bytes);
        let parsed: Option<Value> = serde_json::from_str(&text).ok();
        match parse_incoming(&text) {
            Incoming::State(state) => {
                let frame = parsed.expect("a state frame is JSON");
                assert_eq!(frame["type"], "cf_agent_state");
                assert_eq!(serde_json::from_str::<Value>(state).expect("state is JSON"), frame["state"]);
            }
            Incoming::Rpc(_) | Incoming::BadRpc { .. } => {
                assert_eq!(parsed.expect("an rpc frame is JSON")["type"], "rpc");
            }
            Incoming::Other => {}
        }
    });
}

#[test]
fn every_well_formed_request_reads_back_as_sent() {
    check("frames_rpc_round_trip", 3000, |rng| {
        let request = RpcRequest {
            id: rng.text(16),
            method: format!("{}{}", rng.char(), rng.text(8)),
            args: (0..rng.len(4)).map(|_| rng.json(3)).collect(),
        };
        let mut entries = extras(rng);
        entries.push(("type".into(), json!("rpc")));
        entries.push(("id".into(), json!(request.id)));
        entries.push(("method".into(), json!(request.method)));
        if !request.args.is_empty() || rng.one_in(2) {
            entries.push(("args".into(), json!(request.args)));
        } else if rng.one_in(2) {
            entries.push(("args".into(), Value::Null));
        }
        shuffle(rng, &mut entries);
        let text = object_text(&entries);
        assert_eq!(parse_incoming(&text), Incoming::Rpc(request), "frame: {text}");
    });
}

#[test]
fn a_state_frame_hands_over_the_state_text_untouched() {
    check("frames_state_round_trip", 3000, |rng| {
        let state = rng.json(4);
        let state_text =
            if rng.one_in(2) { state.to_string() } else { serde_json::to_string_pretty(&state).expect("writes") };
        let frame = if rng.one_in(2) {
            state_frame(&state_text)
        } else {
            let mut entries = extras(rng);
            entries.push(("type".into(), json!("cf_agent_state")));
            entries.push(("state".into(), Value::Null));
            shuffle(rng, &mut entries);
            // The state's own text, spaces and all, in place of the placeholder.
            object_text(&entries).replacen(r#""state":null"#, &format!(r#""state":{state_text}"#), 1)
        };
        assert_eq!(parse_incoming(&frame), Incoming::State(&state_text), "frame: {frame}");
    });
}

#[test]
fn malformed_requests_get_an_error_echoing_their_id() {
    check("frames_bad_rpc", 3000, |rng| {
        // Fields are checked in the order id, method, args: those before the
        // first wrong one are right, those after it anything.
        let first_wrong = rng.below(3);
        let wrong = |rng: &mut Rng, field: u64| field == first_wrong || (field > first_wrong && rng.one_in(2));
        let mut frame = Map::new();
        frame.insert("type".into(), json!("rpc"));
        let id = if wrong(rng, 0) { non_string(rng) } else { json!(rng.text(8)) };
        if !(id.is_null() && rng.one_in(2)) {
            frame.insert("id".into(), id.clone());
        }
        let method = match (wrong(rng, 1), rng.below(3)) {
            (true, 0) => json!(""),
            (true, _) => non_string(rng),
            (false, _) => json!(rng.ident(6)),
        };
        if !(method.is_null() && rng.one_in(2)) {
            frame.insert("method".into(), method);
        }
        let args = if wrong(rng, 2) { not_array(rng) } else { json!([rng.json(2)]) };
        frame.insert("args".into(), args);
        let text = Value::Object(frame).to_string();
        let error =
            ["id must be a string", "method must be a non-empty string", "args must be an array"][first_wrong as usize];
        let expect = Incoming::BadRpc { id, error: format!("Invalid RPC request: {error}") };
        assert_eq!(parse_incoming(&text), expect, "frame: {text}");
    });
}

fn non_string(rng: &mut Rng) -> Value {
    loop {
        let value = rng.json(2);
        if !value.is_string() {
            return value;
        }
    }
}

fn not_array(rng: &mut Rng) -> Value {
    loop {
        let value = rng.json(2);
        if !value.is_array() && !value.is_null() {
            return value;
        }
    }
}

#[test]
fn reply_shaped_frames_are_never_requests() {
    check("frames_replies_are_other", 2000, |rng| {
        let id = rng.text(10);
        let result = serde_json::value::to_raw_value(&rng.json(3)).expect("raw");
        let frames = [
            rpc_result_frame(&id, Some(&result), rng.one_in(2)),
            rpc_result_frame(&id, None, rng.one_in(2)),
            rpc_error_frame(&json!(id), &rng.text(20)),
        ];
        for frame in frames {
            assert_eq!(parse_incoming(&frame), Incoming::Other, "frame: {frame}");
        }
    });
}

#[test]
fn frames_the_server_writes_read_back_as_written() {
    check("frames_server_frames", 3000, |rng| {
        let (id, value, done) = (rng.text(16), rng.json(3), rng.one_in(2));
        let raw = serde_json::value::to_raw_value(&value).expect("raw");
        let frame: Value = serde_json::from_str(&rpc_result_frame(&id, Some(&raw), done)).expect("JSON");
        assert_eq!(frame, json!({"type": "rpc", "id": id, "success": true, "result": value, "done": done}));
        let frame: Value = serde_json::from_str(&rpc_result_frame(&id, None, done)).expect("JSON");
        assert_eq!(frame, json!({"type": "rpc", "id": id, "success": true, "done": done}));

        let (name, agent, follows) = (rng.text(16), rng.text(16), rng.one_in(2));
        let identity: Value = serde_json::from_str(&identity_frame(&name, &agent, follows)).expect("JSON");
        assert_eq!(identity["name"], json!(name));
        assert_eq!(identity["agent"], json!(agent));
        assert_eq!(identity.get("stateFollows").is_some(), follows);

        let error = rng.text(20);
        let frame: Value = serde_json::from_str(&state_error_frame(&error)).expect("JSON");
        assert_eq!(frame, json!({"type": "cf_agent_state_error", "error": error}));
    });
}
