//! Stored states of other versions: which version the stored JSON is, and
//! how it becomes the agent's state (decoded as it is, or through the
//! agent's `migrate_state`). Pure: tested natively.
//!
//! The version of the stored state is kept in `cf_agents_meta` under
//! [`STATE_VERSION_KEY`], written with the first state an agent stores
//! whenever it differs from what is recorded. A database without it
//! (releases before state versions, or an agent that never raised
//! `Agent::STATE_VERSION`) holds version [`UNRECORDED_VERSION`], 1: an agent
//! left at the default version never writes the key.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// The `cf_agents_meta` key of the stored state's version.
pub(crate) const STATE_VERSION_KEY: &str = "state.version";

/// The version of a stored state whose version is not recorded.
pub(crate) const UNRECORDED_VERSION: u32 = 1;

/// The version a recorded value stands for (absent: [`UNRECORDED_VERSION`];
/// a value no `u32` holds: 0, older than any agent's version).
pub(crate) fn stored_version(recorded: Option<i64>) -> u32 {
    recorded.map_or(UNRECORDED_VERSION, |v| u32::try_from(v).unwrap_or(0))
}

/// A stored state, ready to be used.
#[derive(Debug, PartialEq)]
pub(crate) enum Decoded<S> {
    /// Decoded as it is stored: nothing to write.
    AsStored(S),
    /// Made by `migrate_state`: to be stored, with the agent's version.
    Migrated(S),
}

/// Turns the stored JSON, stored at version `stored`, into a state of
/// version `current`: decoded as it is when the versions match and it
/// decodes; else handed to `migrate` (as a JSON value, with `stored`).
/// `Err` says why neither worked.
pub(crate) fn decode<S: DeserializeOwned>(
    json: &str,
    stored: u32,
    current: u32,
    migrate: impl FnOnce(Value, u32) -> Result<S, String>,
) -> Result<Decoded<S>, String> {
    if stored == current {
        if let Ok(state) = serde_json::from_str(json) {
            return Ok(Decoded::AsStored(state));
        }
    }
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("stored at state version {stored}, it is not JSON: {e}"))?;
    migrate(value, stored)
        .map(Decoded::Migrated)
        .map_err(|e| format!("stored at state version {stored}, STATE_VERSION is {current}: {e}"))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Profile {
        name: String,
    }

    fn from_title(value: Value, from: u32) -> Result<Profile, String> {
        match (from, value["title"].as_str()) {
            (1, Some(title)) => Ok(Profile { name: title.to_owned() }),
            _ => Err(format!("cannot migrate from {from}")),
        }
    }

    fn never(_: Value, _: u32) -> Result<Profile, String> {
        panic!("migrate called")
    }

    #[test]
    fn an_unrecorded_version_is_one() {
        assert_eq!(stored_version(None), 1);
        assert_eq!(stored_version(Some(3)), 3);
        assert_eq!(stored_version(Some(-1)), 0);
        assert_eq!(stored_version(Some(1 << 40)), 0);
    }

    #[test]
    fn a_state_of_the_current_version_is_decoded_without_the_hook() {
        let decoded = decode(r#"{"name":"Ada"}"#, 2, 2, never);
        assert_eq!(decoded, Ok(Decoded::AsStored(Profile { name: "Ada".into() })));
    }

    #[test]
    fn an_older_state_goes_through_the_hook_even_when_it_decodes() {
        let hook = |value: Value, from| {
            assert_eq!((value, from), (json!({"name": "Ada"}), 1));
            Ok(Profile { name: "migrated".into() })
        };
        assert_eq!(decode(r#"{"name":"Ada"}"#, 1, 2, hook), Ok(Decoded::Migrated(Profile { name: "migrated".into() })));
        assert_eq!(
            decode(r#"{"title":"Ada"}"#, 1, 2, from_title),
            Ok(Decoded::Migrated(Profile { name: "Ada".into() }))
        );
    }

    #[test]
    fn a_current_state_that_does_not_decode_goes_through_the_hook_with_its_version() {
        let hook = |_: Value, from| Err::<Profile, _>(format!("asked for {from}"));
        assert_eq!(
            decode(r#"{"name":5}"#, 2, 2, hook),
            Err("stored at state version 2, STATE_VERSION is 2: asked for 2".into())
        );
        // A newer state (a release rolled back) is the hook's too.
        assert_eq!(
            decode(r#"{"name":"Ada"}"#, 3, 2, hook),
            Err("stored at state version 3, STATE_VERSION is 2: asked for 3".into())
        );
    }

    #[test]
    fn text_that_is_not_json_is_not_handed_to_the_hook() {
        let error = decode("{\"name\":", 1, 1, never).unwrap_err();
        assert!(error.starts_with("stored at state version 1, it is not JSON: "), "{error}");
    }
}
