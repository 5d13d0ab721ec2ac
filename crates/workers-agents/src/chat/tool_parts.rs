//! Tool parts of `UIMessage`s (`tool-{name}` or `dynamic-tool`, with a
//! `toolCallId` and a `state`): finding a call, applying a browser tool's
//! result or a person's approval to it (with the checks that refuse what
//! does not fit its state), and what a message still waits for. Pure:
//! tested natively.

use serde_json::{json, Value};

/// `state` of a tool part whose input is still streaming.
pub(crate) const INPUT_STREAMING: &str = "input-streaming";
/// The call is complete and waits for its output.
pub(crate) const INPUT_AVAILABLE: &str = "input-available";
/// The call waits for a person's approval.
pub(crate) const APPROVAL_REQUESTED: &str = "approval-requested";
/// A person answered; an approved call runs in the next continuation.
pub(crate) const APPROVAL_RESPONDED: &str = "approval-responded";
/// The call has its output.
pub(crate) const OUTPUT_AVAILABLE: &str = "output-available";
/// The call failed.
pub(crate) const OUTPUT_ERROR: &str = "output-error";
/// A person denied the call.
pub(crate) const OUTPUT_DENIED: &str = "output-denied";

/// The tool a part calls: `tool-{name}`, or a `dynamic-tool`'s `toolName`.
pub(crate) fn tool_name(part: &Value) -> Option<&str> {
    let kind = part.get("type").and_then(Value::as_str)?;
    if kind == "dynamic-tool" {
        return part.get("toolName").and_then(Value::as_str);
    }
    kind.strip_prefix("tool-")
}

/// A tool part's call id (`None` for any other part).
pub(crate) fn call_id(part: &Value) -> Option<&str> {
    tool_name(part)?;
    part.get("toolCallId").and_then(Value::as_str)
}

/// A part's `state` (empty when it has none).
pub(crate) fn state_of(part: &Value) -> &str {
    part.get("state").and_then(Value::as_str).unwrap_or_default()
}

/// Where the call `id` is: (message index, part index), the newest first.
pub(crate) fn find_call(messages: &[Value], id: &str) -> Option<(usize, usize)> {
    messages.iter().enumerate().rev().find_map(|(m, message)| {
        let parts = message.get("parts").and_then(Value::as_array)?;
        parts.iter().position(|p| call_id(p) == Some(id)).map(|p| (m, p))
    })
}

/// What a client sent about a call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Interaction {
    /// A browser tool's output, or its error text.
    Result {
        /// The tool the client names (empty: not named).
        tool_name: String,
        output: Value,
        error: Option<String>,
    },
    /// A person's answer to an approval request.
    Approval { approved: bool },
}

/// Where a tool runs, as far as a client's interaction is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Runs {
    /// On the server (with or without approval): no client result is taken.
    Server,
    /// In the browser: its result comes from the client.
    Browser,
}

/// Applies an interaction to the tool part it names. `Err` (the part
/// untouched) for what its state does not allow: a result for a server
/// tool, for a denied call or one that has its output already; an approval
/// for a call that does not wait for one.
pub(crate) fn apply(part: &mut Value, interaction: &Interaction, runs: Runs) -> Result<(), String> {
    let name = tool_name(part).unwrap_or_default().to_owned();
    let id = call_id(part).unwrap_or_default().to_owned();
    let state = state_of(part).to_owned();
    let finished = |verb: &str| match state.as_str() {
        OUTPUT_DENIED => Some(format!("the call {id} of {name} was denied; it takes no {verb}")),
        OUTPUT_AVAILABLE | OUTPUT_ERROR => Some(format!("the call {id} of {name} is finished; it takes no {verb}")),
        _ => None,
    };
    match interaction {
        Interaction::Result { tool_name: named, output, error } => {
            if !named.is_empty() && *named != name {
                return Err(format!("the call {id} is of the tool {name}, not {named}"));
            }
            if let Some(e) = finished("result") {
                return Err(e);
            }
            if runs == Runs::Server {
                return Err(format!("{name} runs on the server; its result is not the client's to give"));
            }
            if state != INPUT_AVAILABLE {
                return Err(format!("the call {id} of {name} is {state}, not waiting for a result"));
            }
            let object = part.as_object_mut().expect("a tool part is an object");
            match error {
                Some(text) => {
                    object.insert("state".into(), OUTPUT_ERROR.into());
                    object.insert("errorText".into(), text.clone().into());
                }
                None => {
                    object.insert("state".into(), OUTPUT_AVAILABLE.into());
                    object.insert("output".into(), output.clone());
                }
            }
        }
        Interaction::Approval { approved } => {
            if let Some(e) = finished("approval") {
                return Err(e);
            }
            if state != APPROVAL_REQUESTED {
                return Err(format!("the call {id} of {name} is {state}, not waiting for an approval"));
            }
            let approval_id = part.pointer("/approval/id").and_then(Value::as_str).unwrap_or(&id).to_owned();
            part["state"] = if *approved { APPROVAL_RESPONDED } else { OUTPUT_DENIED }.into();
            part["approval"] = json!({ "id": approval_id, "approved": approved });
        }
    }
    Ok(())
}

/// Whether a message still waits for a client: a call awaiting approval, or
/// a browser tool's call awaiting its result (a parallel batch is complete
/// only when neither is left).
pub(crate) fn awaits_client(message: &Value, runs: impl Fn(&str) -> Runs) -> bool {
    let parts = message.get("parts").and_then(Value::as_array).into_iter().flatten();
    parts.filter(|p| call_id(p).is_some()).any(|p| match state_of(p) {
        APPROVAL_REQUESTED => true,
        INPUT_AVAILABLE => runs(tool_name(p).unwrap_or_default()) == Runs::Browser,
        _ => false,
    })
}

/// The approved calls not yet run: (call id, tool name, input).
pub(crate) fn approved_calls(message: &Value) -> Vec<(String, String, Value)> {
    let parts = message.get("parts").and_then(Value::as_array).into_iter().flatten();
    parts
        .filter(|p| state_of(p) == APPROVAL_RESPONDED && p.pointer("/approval/approved") == Some(&Value::Bool(true)))
        .filter_map(|p| {
            let input = p.get("input").cloned().unwrap_or_else(|| json!({}));
            Some((call_id(p)?.to_owned(), tool_name(p)?.to_owned(), input))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(state: &str) -> Value {
        json!({ "type": "tool-where", "toolCallId": "c1", "state": state, "input": {} })
    }

    fn result(output: Value) -> Interaction {
        Interaction::Result { tool_name: "where".into(), output, error: None }
    }

    #[test]
    fn applies_a_browser_result_to_a_waiting_call() {
        let mut p = part(INPUT_AVAILABLE);
        apply(&mut p, &result(json!({ "city": "Oslo" })), Runs::Browser).unwrap();
        assert_eq!(p["state"], OUTPUT_AVAILABLE);
        assert_eq!(p["output"], json!({ "city": "Oslo" }));
        let mut p = part(INPUT_AVAILABLE);
        let failed =
            Interaction::Result { tool_name: String::new(), output: Value::Null, error: Some("no GPS".into()) };
        apply(&mut p, &failed, Runs::Browser).unwrap();
        assert_eq!((p["state"].as_str(), p["errorText"].as_str()), (Some(OUTPUT_ERROR), Some("no GPS")));
    }

    #[test]
    fn refuses_results_that_do_not_fit() {
        let cases = [
            (part(INPUT_AVAILABLE), Runs::Server, "runs on the server"),
            (part(APPROVAL_REQUESTED), Runs::Server, "runs on the server"),
            (part(OUTPUT_DENIED), Runs::Browser, "was denied"),
            (part(OUTPUT_AVAILABLE), Runs::Browser, "is finished"),
            (part(INPUT_STREAMING), Runs::Browser, "not waiting for a result"),
        ];
        for (mut p, runs, needle) in cases {
            let before = p.clone();
            let e = apply(&mut p, &result(json!(1)), runs).unwrap_err();
            assert!(e.contains(needle), "{before}: {e}");
            assert_eq!(p, before);
        }
        let mut p = part(INPUT_AVAILABLE);
        let other = Interaction::Result { tool_name: "book".into(), output: json!(1), error: None };
        assert!(apply(&mut p, &other, Runs::Browser).unwrap_err().contains("not book"));
    }

    #[test]
    fn applies_approvals_once() {
        let mut p = json!({ "type": "tool-book", "toolCallId": "c", "state": APPROVAL_REQUESTED, "input": { "id": 1 }, "approval": { "id": "a1" } });
        apply(&mut p, &Interaction::Approval { approved: true }, Runs::Server).unwrap();
        assert_eq!(p["state"], APPROVAL_RESPONDED);
        assert_eq!(p["approval"], json!({ "id": "a1", "approved": true }));
        let message = json!({ "parts": [p.clone()] });
        assert_eq!(approved_calls(&message), [("c".into(), "book".into(), json!({ "id": 1 }))]);
        let again = apply(&mut p, &Interaction::Approval { approved: false }, Runs::Server).unwrap_err();
        assert!(again.contains("not waiting for an approval"), "{again}");

        let mut denied = part(APPROVAL_REQUESTED);
        apply(&mut denied, &Interaction::Approval { approved: false }, Runs::Server).unwrap();
        assert_eq!(denied["state"], OUTPUT_DENIED);
        assert!(approved_calls(&json!({ "parts": [denied.clone()] })).is_empty());
        let late = apply(&mut denied, &result(json!(1)), Runs::Browser).unwrap_err();
        assert!(late.contains("was denied"), "{late}");
        let finished = apply(&mut part(OUTPUT_ERROR), &Interaction::Approval { approved: true }, Runs::Server);
        assert!(finished.unwrap_err().contains("is finished"));
    }

    #[test]
    fn finds_calls_and_what_a_message_waits_for() {
        let messages = [
            json!({ "id": "u", "role": "user", "parts": [{ "type": "text", "text": "hi" }] }),
            json!({ "id": "a", "role": "assistant", "parts": [
                { "type": "step-start" },
                { "type": "tool-search", "toolCallId": "s", "state": OUTPUT_AVAILABLE },
                { "type": "dynamic-tool", "toolName": "where", "toolCallId": "w", "state": INPUT_AVAILABLE },
            ] }),
        ];
        assert_eq!(find_call(&messages, "w"), Some((1, 2)));
        assert_eq!(find_call(&messages, "nope"), None);
        let browser = |name: &str| if name == "where" { Runs::Browser } else { Runs::Server };
        assert!(awaits_client(&messages[1], browser));
        assert!(!awaits_client(&messages[1], |_| Runs::Server));
        let waiting = json!({ "parts": [part(APPROVAL_REQUESTED)] });
        assert!(awaits_client(&waiting, |_| Runs::Server));
    }
}
