//! A registered client: what the provider stores of it and checks requests
//! against. Pure.

use serde::{Deserialize, Serialize};

/// How a client authenticates at the token endpoint (RFC 7591 `token_endpoint_auth_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// HTTP Basic with the client id and secret (the RFC 7591 default).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form.
    ClientSecretPost,
    /// A public client: no secret (PKCE required).
    None,
}

impl AuthMethod {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::None => "none",
        }
    }

    /// The method named `name`, if this server supports it.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "client_secret_basic" => Some(AuthMethod::ClientSecretBasic),
            "client_secret_post" => Some(AuthMethod::ClientSecretPost),
            "none" => Some(AuthMethod::None),
            _ => None,
        }
    }

    /// Whether the client has no secret.
    pub fn is_public(self) -> bool {
        self == AuthMethod::None
    }
}

/// A registered client, as stored (its secret only as a hash, elsewhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    /// Its id.
    pub client_id: String,
    /// Its registered redirect URIs (at least one).
    pub redirect_uris: Vec<String>,
    /// The name shown on the consent page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// How it authenticates at the token endpoint.
    pub token_endpoint_auth_method: AuthMethod,
    /// The grant types it may use (`authorization_code`, `refresh_token`).
    pub grant_types: Vec<String>,
    /// The response types it may use (`code`).
    pub response_types: Vec<String>,
    /// Its home page, logo, policy and terms URIs and contacts, as registered (shown on the consent page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<String>,
    /// Its logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    /// Contacts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    /// Its privacy policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_uri: Option<String>,
    /// Its terms of service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tos_uri: Option<String>,
    /// The scope it asked for at registration (space-separated), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// When it was registered (Unix seconds); for a client of a metadata
    /// document, when the document was fetched.
    pub client_id_issued_at: i64,
    /// Whether the client is identified by its metadata document (its id is
    /// the document's URL, MCP 2025-11-25) rather than registered here: a
    /// consent page may say "identified by {host of the id}".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_metadata_document: bool,
}

impl Client {
    /// Whether the client is public (no secret).
    pub fn is_public(&self) -> bool {
        self.token_endpoint_auth_method.is_public()
    }
}
