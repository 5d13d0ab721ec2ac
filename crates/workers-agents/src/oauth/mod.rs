//! OAuth 2.1 for MCP servers and agents (feature `oauth`): the protocol
//! rules of an authorization server and a resource server, as pure
//! functions tested natively. The provider that stores grants and serves the
//! endpoints builds on them.
//!
//! | file | what it decides |
//! |---|---|
//! | `error.rs` | the error codes, their HTTP status and JSON body |
//! | `crypto.rs` | Web Crypto: SHA-256, HMAC, AES-256-GCM, random secrets (runtime; encodings pure) |
//! | `client.rs` | a registered client's record and its authentication method |
//! | `scope.rs` | scope strings: parsing, and narrowing to what was granted |
//! | `redirect.rs` | whether a redirect URI is safe, and whether it matches a registered one (RFC 8252 loopback ports) |
//! | `client_metadata_document.rs` | URL client ids (client ID metadata documents, MCP 2025-11-25): which URLs, what the document must say, how long it is kept |
//! | `registration.rs` | dynamic client registration metadata (RFC 7591): validated and completed with defaults |
//! | `json_fields.rs` | typed fields of registration metadata (wrong type → `invalid_client_metadata`) |
//! | `authorize.rs` | an authorization request's parameters, checked in the reference's order |
//! | `token_request.rs` | a token endpoint request: content type, parameters, the grant |
//! | `client_auth.rs` | a token request's client credentials (Basic or form) and the registered method |
//! | `base64.rs` | standard base64 decoding (Basic credentials) |
//! | `metadata.rs` | authorization server (RFC 8414) and protected resource (RFC 9728) metadata |
//! | `store/` | the store: a Durable Object per shard with grants and tokens in SQL (`rows.rs`), issuing, exchanging, refreshing, unwrapping and revoking them (`grants.rs`), pending upstream logins (`states.rs`) |
//! | `audience.rs` | whether a token's audience covers the URL it is used at |
//! | `provider/` | the provider: discovery, registration, token endpoint (`endpoints.rs`), protected routes (`protect.rs`), the app's pages' helpers (`pages.rs`), clients of metadata documents fetched and cached (`client_documents.rs`) |
//! | `challenge.rs` | the `WWW-Authenticate: Bearer …` challenge of a protected route |
//! | `jwt.rs` | another server's JWTs: compact JWS decoding, allowed algorithms, claim checks (`iss`, `aud`, `exp`, `nbf`, `iat`), the `Auth` they give |
//! | `jwks.rs` | JWK Sets: public RSA and P-256 keys, and the key a token's `kid` selects |
//! | `jwt_verifier.rs` | [`JwtVerifier`]: the above with the signature checked by Web Crypto (runtime) |
//! | `upstream/` | logging in through a third-party provider: signed cookies, approved clients, the single-use state, the code exchange |

mod audience;
mod authorize;
pub(crate) mod base64;
mod challenge;
mod client;
mod client_auth;
mod client_metadata_document;
pub mod crypto;
mod error;
mod form;
mod json_fields;
pub(crate) mod jwks;
pub(crate) mod jwt;
mod jwt_verifier;
mod metadata;
mod provider;
mod redirect;
mod registration;
mod scope;
mod store;
mod token_request;
pub mod upstream;

pub use crate::export_oauth_store as export_store;
pub use audience::audience_matches;
pub use authorize::{
    code_redirect, error_redirect, parse_authorization_request, requested_client_id, same_resource,
    AuthorizationRequest, AuthorizeConfig, AuthorizeError, MAX_STATE_BYTES,
};
pub use challenge::{bearer_challenge, Challenge};
pub use client::{AuthMethod, Client};
pub use client_auth::{check_auth_method, ClientCredentials};
pub use client_metadata_document::{
    check_client_id_url, document_cache_ttl, is_document_client_id, validate_client_document, ClientDocumentError,
    CLIENT_DOCUMENT_CACHE, CLIENT_DOCUMENT_TIMEOUT, MAX_CLIENT_DOCUMENT_BYTES, MAX_CLIENT_DOCUMENT_CACHE,
};
pub use error::{ErrorCode, OAuthError};
pub use jwks::{KeyMaterial, KeySet, PublicJwk, MAX_JWKS_BYTES, MAX_JWKS_KEYS, MIN_RSA_BITS};
pub use jwt::{JwsAlgorithm, JwsPart, JwtError, DEFAULT_LEEWAY, MAX_JWT_BYTES, MAX_JWT_JSON_DEPTH};
pub use jwt_verifier::JwtVerifier;
pub use metadata::{
    resource_metadata_suffix, resource_metadata_url, ProtectedResourceMetadata, ServerMetadata, RESOURCE_METADATA_PATH,
    SERVER_METADATA_PATH,
};
pub use provider::{Approval, CreatedClient, ExternalToken, Handled, OAuthProvider, Resolution};
pub use redirect::{check_redirect_uri, redirect_matches, MAX_REDIRECT_URI_BYTES};
pub use registration::{
    registration_response, validate_registration, RegistrationRequest, MAX_CLIENT_NAME_CHARS, MAX_REDIRECT_URIS,
};
pub use scope::{narrow_scope, parse_scope, Scope, MAX_SCOPE_TOKENS};
pub use store::{
    grant_of, new_grant_id, CodeExchange, GrantSummary, Issued, Lifetimes, NewGrant, OAuthStore, OAuthStoreStub,
    Outcome, PendingLogin, RefreshExchange, StateTake, StoredClient, TokenInfo,
};
pub use token_request::{parse_token_request, Grant, TokenRequest};
