//! Discovery documents: authorization server metadata (RFC 8414) and
//! protected resource metadata (RFC 9728). Pure.

use serde_json::{json, Value};

/// Where authorization server metadata is served.
pub const SERVER_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
/// Where protected resource metadata is served (and under it, per route).
pub const RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// What the authorization server tells clients about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerMetadata {
    /// The issuer: the server's origin, no trailing slash (also the `iss` of its redirects).
    pub issuer: String,
    /// The authorization endpoint (the app's consent page).
    pub authorization_endpoint: String,
    /// The token endpoint (also revocation).
    pub token_endpoint: String,
    /// The registration endpoint, when dynamic registration is on.
    pub registration_endpoint: Option<String>,
    /// The scopes clients may ask for (left out when empty).
    pub scopes_supported: Vec<String>,
    /// Whether URL client ids (client ID metadata documents) are accepted.
    pub client_id_metadata_document_supported: bool,
}

impl ServerMetadata {
    /// The JSON document.
    pub fn to_json(&self) -> Value {
        let mut doc = json!({
            "issuer": self.issuer,
            "authorization_endpoint": self.authorization_endpoint,
            "token_endpoint": self.token_endpoint,
            "revocation_endpoint": self.token_endpoint,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": true,
            "client_id_metadata_document_supported": self.client_id_metadata_document_supported,
        });
        if let Some(registration) = &self.registration_endpoint {
            doc["registration_endpoint"] = json!(registration);
        }
        if !self.scopes_supported.is_empty() {
            doc["scopes_supported"] = json!(self.scopes_supported);
        }
        doc
    }
}

/// What a protected resource (an MCP endpoint, an agent route) tells clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedResourceMetadata {
    /// The resource's URI (the audience of its tokens).
    pub resource: String,
    /// The authorization servers that issue its tokens.
    pub authorization_servers: Vec<String>,
    /// The scopes it knows (left out when empty).
    pub scopes_supported: Vec<String>,
    /// A name for people.
    pub resource_name: Option<String>,
}

impl ProtectedResourceMetadata {
    /// The JSON document.
    pub fn to_json(&self) -> Value {
        let mut doc = json!({
            "resource": self.resource,
            "authorization_servers": self.authorization_servers,
            "bearer_methods_supported": ["header"],
        });
        if !self.scopes_supported.is_empty() {
            doc["scopes_supported"] = json!(self.scopes_supported);
        }
        if let Some(name) = &self.resource_name {
            doc["resource_name"] = json!(name);
        }
        doc
    }
}

/// For a request path under [`RESOURCE_METADATA_PATH`], the resource path it
/// asks about (`""` for the root document, `"/mcp"` for
/// `/.well-known/oauth-protected-resource/mcp`); `None` for other paths.
pub fn resource_metadata_suffix(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(RESOURCE_METADATA_PATH)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// The metadata URL a protected route's challenge names: `origin` +
/// [`RESOURCE_METADATA_PATH`] + the route's path.
pub fn resource_metadata_url(origin: &str, path: &str) -> String {
    let path = if path == "/" { "" } else { path };
    format!("{}{RESOURCE_METADATA_PATH}{path}", origin.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_metadata() {
        let meta = ServerMetadata {
            issuer: "https://as.example".into(),
            authorization_endpoint: "https://as.example/authorize".into(),
            token_endpoint: "https://as.example/token".into(),
            registration_endpoint: Some("https://as.example/register".into()),
            scopes_supported: vec![],
            client_id_metadata_document_supported: false,
        };
        let doc = meta.to_json();
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(doc["revocation_endpoint"], "https://as.example/token");
        assert_eq!(doc["registration_endpoint"], "https://as.example/register");
        assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
        assert!(doc.get("scopes_supported").is_none(), "empty lists are left out");
    }

    #[test]
    fn resource_metadata_and_paths() {
        let meta = ProtectedResourceMetadata {
            resource: "https://mcp.example/mcp".into(),
            authorization_servers: vec!["https://mcp.example".into()],
            scopes_supported: vec!["read".into()],
            resource_name: None,
        };
        assert_eq!(
            meta.to_json(),
            json!({
                "resource": "https://mcp.example/mcp",
                "authorization_servers": ["https://mcp.example"],
                "bearer_methods_supported": ["header"],
                "scopes_supported": ["read"],
            })
        );
        assert_eq!(resource_metadata_suffix("/.well-known/oauth-protected-resource"), Some(""));
        assert_eq!(resource_metadata_suffix("/.well-known/oauth-protected-resource/secure/mcp"), Some("/secure/mcp"));
        assert_eq!(resource_metadata_suffix("/.well-known/oauth-protected-resourcex"), None);
        assert_eq!(resource_metadata_suffix("/mcp"), None);
        assert_eq!(
            resource_metadata_url("https://mcp.example/", "/secure/mcp"),
            "https://mcp.example/.well-known/oauth-protected-resource/secure/mcp"
        );
        assert_eq!(
            resource_metadata_url("https://mcp.example", "/"),
            "https://mcp.example/.well-known/oauth-protected-resource"
        );
    }
}
