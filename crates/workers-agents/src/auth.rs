//! Who a request speaks for: what an authenticating layer in front of the
//! router (the OAuth provider, or the app's own check) established, carried
//! to the agent with the request. An MCP session's instance keeps its user's.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The internal header that carries an [`Auth`] from the router to the
/// agent. Outside requests that carry it are refused (all `x-agents-*` are).
pub(crate) const AUTH_HEADER: &str = "x-agents-auth";

/// The caller's identity: who authorized, through which client, with which
/// scope, and the props the app attached. Its `Debug` leaves the props out
/// (they may hold upstream tokens).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Auth {
    /// The user.
    pub user_id: String,
    /// The client acting for them (an OAuth client id), if any.
    #[serde(default)]
    pub client_id: String,
    /// The scope granted.
    #[serde(default)]
    pub scope: Vec<String>,
    /// What the app attached (identity, permissions, upstream tokens).
    #[serde(default)]
    pub props: Value,
    /// The grant the token belongs to (OAuth), if any.
    #[serde(default)]
    pub grant_id: String,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("user_id", &self.user_id)
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// The props as `T`.
    pub fn props<T: DeserializeOwned>(&self) -> crate::Result<T> {
        Ok(serde_json::from_value(self.props.clone())?)
    }

    /// Whether the scope has `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.iter().any(|s| s == scope)
    }

    /// Whether the props' `permissions` array has `permission`.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.props["permissions"].as_array().is_some_and(|p| p.iter().any(|v| v.as_str() == Some(permission)))
    }

    /// `Ok` when the props' `permissions` have `permission`; else the error
    /// callers see: "Permission denied: requires {permission}".
    pub fn require_permission(&self, permission: &str) -> crate::Result<()> {
        if self.has_permission(permission) {
            Ok(())
        } else {
            Err(crate::Error::msg(format!("Permission denied: requires {permission}")))
        }
    }

    /// The header value: JSON with every non-ASCII character escaped
    /// (header values are bytes of Latin-1).
    pub(crate) fn to_header(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        let mut out = String::with_capacity(json.len());
        for c in json.chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
        out
    }

    /// Who a request that reached the agent speaks for, as the router's
    /// [`handle_authorized`](crate::AgentRouter::handle_authorized) passed it
    /// on (for `on_request`; WebSocket connections keep theirs,
    /// [`Connection::auth`](crate::Connection::auth)). The router refuses
    /// outside requests that carry the header it travels in.
    pub fn from_request(req: &worker::Request) -> Option<Auth> {
        Self::from_header(&Self::header_of(req)?)
    }

    /// The raw [`AUTH_HEADER`] of a request, if any.
    pub(crate) fn header_of(req: &worker::Request) -> Option<String> {
        req.headers().get(AUTH_HEADER).ok().flatten()
    }

    /// The [`Auth`] of a header value.
    pub(crate) fn from_header(header: &str) -> Option<Auth> {
        serde_json::from_str(header).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_form_is_ascii_and_round_trips() {
        let auth = Auth {
            user_id: "zoë 🦀".into(),
            client_id: "c1".into(),
            scope: vec!["read".into()],
            props: serde_json::json!({ "permissions": ["admin"], "name": "Zoë" }),
            grant_id: String::new(),
        };
        let header = auth.to_header();
        assert!(header.is_ascii(), "{header}");
        assert_eq!(serde_json::from_str::<Auth>(&header).unwrap(), auth);
        assert!(auth.has_permission("admin") && !auth.has_permission("root"));
        assert!(auth.has_scope("read") && !auth.has_scope("write"));
    }
}
