//! Reading the fields of a JSON metadata object (client registration) with
//! their expected types: a wrong type is `invalid_client_metadata` naming
//! the field. `null` and empty strings count as absent (some clients send
//! every optional field). Pure.

use serde_json::{Map, Value};
use worker::url::Url;

use super::error::{ErrorCode, OAuthError};
use crate::net::is_loopback;

/// An `invalid_client_metadata` error.
pub(crate) fn invalid(why: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClientMetadata, why)
}

/// The fields of a metadata object.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a>(pub(crate) &'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// The field `name`, unless absent or `null`.
    fn get(self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// A string field, at most `max_chars` characters, without control
    /// characters; `None` when absent or empty.
    pub(crate) fn string(self, name: &str, max_chars: usize) -> Result<Option<&'a str>, OAuthError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => {
                check_text(name, s, max_chars).map(|()| Some(s.as_str()).filter(|s| !s.is_empty()))
            }
            Some(_) => Err(invalid(format!("{name} must be a string"))),
        }
    }

    /// An array-of-strings field of at most `max_items` items (each as
    /// [`Fields::string`] checks it, empty ones dropped); `None` when absent.
    pub(crate) fn strings(
        self,
        name: &str,
        max_items: usize,
        max_chars: usize,
    ) -> Result<Option<Vec<&'a str>>, OAuthError> {
        let items = match self.get(name) {
            None => return Ok(None),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(invalid(format!("{name} must be an array of strings"))),
        };
        if items.len() > max_items {
            return Err(invalid(format!("{name} may list at most {max_items} values")));
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let Value::String(s) = item else {
                return Err(invalid(format!("{name} must be an array of strings")));
            };
            check_text(name, s, max_chars)?;
            if !s.is_empty() {
                out.push(s.as_str());
            }
        }
        Ok(Some(out))
    }

    /// A web URI field shown to people (home page, logo, policy, terms):
    /// `https` with a host, or `http` on a loopback host; no user name or
    /// password. `None` when absent or empty.
    pub(crate) fn web_uri(self, name: &str, max_bytes: usize) -> Result<Option<String>, OAuthError> {
        let Some(uri) = self.string(name, max_bytes)? else {
            return Ok(None);
        };
        if uri.len() > max_bytes {
            return Err(invalid(format!("{name} must be at most {max_bytes} bytes")));
        }
        if uri.chars().any(char::is_whitespace) {
            return Err(invalid(format!("{name} must not contain spaces")));
        }
        let url = Url::parse(uri).map_err(|e| invalid(format!("{name} is not a valid URI: {e}")))?;
        let web = match url.scheme() {
            "https" => url.host_str().is_some_and(|h| !h.is_empty()),
            "http" => is_loopback(&url),
            _ => false,
        };
        if !web {
            return Err(invalid(format!("{name} must be an https URI (or http on a loopback host)")));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(format!("{name} must not carry a user name or password")));
        }
        Ok(Some(uri.to_owned()))
    }
}

/// Whether `s` is at most `max_chars` characters without control characters.
fn check_text(name: &str, s: &str, max_chars: usize) -> Result<(), OAuthError> {
    if s.chars().count() > max_chars {
        return Err(invalid(format!("{name} must be at most {max_chars} characters")));
    }
    if s.chars().any(char::is_control) {
        return Err(invalid(format!("{name} must not contain control characters")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_fields() {
        let value = json!({
            "s": "text", "empty": "", "null": null, "n": 3, "long": "abcd", "ctl": "a\nb",
            "list": ["a", "", "b"], "bad_list": ["a", 1], "not_list": "a",
            "web": "https://app.example/", "loop": "http://127.0.0.1:8/x",
        });
        let f = Fields(value.as_object().unwrap());
        assert_eq!(f.string("s", 10), Ok(Some("text")));
        assert_eq!(f.string("empty", 10), Ok(None));
        assert_eq!(f.string("null", 10), Ok(None));
        assert_eq!(f.string("absent", 10), Ok(None));
        assert_eq!(f.strings("list", 3, 10), Ok(Some(vec!["a", "b"])));
        assert_eq!(f.strings("null", 3, 10), Ok(None));
        assert_eq!(f.web_uri("web", 100), Ok(Some("https://app.example/".into())));
        assert_eq!(f.web_uri("loop", 100), Ok(Some("http://127.0.0.1:8/x".into())));
        for (err, says) in [
            (f.string("n", 10), "n must be a string"),
            (f.string("long", 3), "long must be at most 3 characters"),
            (f.string("ctl", 10), "ctl must not contain control"),
            (f.string("list", 10).map(|_| None), "list must be a string"),
        ] {
            let err = err.unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidClientMetadata);
            assert!(err.description.contains(says), "{err}");
        }
        for (err, says) in [
            (f.strings("bad_list", 3, 10), "bad_list must be an array of strings"),
            (f.strings("not_list", 3, 10), "not_list must be an array of strings"),
            (f.strings("list", 2, 10), "list may list at most 2"),
            (f.strings("list", 3, 0), "list must be at most 0"),
        ] {
            assert!(err.unwrap_err().description.contains(says), "{says}");
        }
    }
}
