//! Logging in through a third-party provider (GitHub, Google …): the
//! worker stays the authorization server of its MCP clients, and delegates
//! the person's login to the upstream provider. The app's `/authorize`
//! page shows its consent (remembered per browser in
//! [`ApprovedClients`]), [`OAuthProvider::begin_upstream_login`] makes a
//! single-use state bound to the browser and [`UpstreamAuthorization`] the
//! redirect; the app's `/callback` takes the state with
//! [`OAuthProvider::finish_upstream_login`], exchanges the code with
//! [`UpstreamClient::exchange_code`], and completes the authorization with
//! the upstream token in the props.
//!
//! | file | what it holds |
//! |---|---|
//! | `cookie.rs` | reading a cookie, writing a `__Host-` cookie (pure) |
//! | `signed.rs` | HMAC-signed cookie values (Web Crypto; the format pure) |
//! | `approved.rs` | the approved-clients cookie (the list pure) |
//! | `endpoints.rs` | upstream endpoint URLs checked, the upstream authorization URL (pure) |
//! | `token_response.rs` | an upstream token endpoint's answer (pure) |
//! | `exchange.rs` | the calls: code exchange, API GET with the user's token |
//! | `login_state.rs` | the single-use, browser-bound `state` (in the `OAuthStore`) |
//!
//! [`OAuthProvider::begin_upstream_login`]: crate::oauth::OAuthProvider::begin_upstream_login
//! [`OAuthProvider::finish_upstream_login`]: crate::oauth::OAuthProvider::finish_upstream_login

mod approved;
mod cookie;
mod endpoints;
mod exchange;
mod login_state;
mod signed;
mod token_response;

pub use approved::{ApprovedClients, APPROVED_CLIENTS_COOKIE, APPROVED_CLIENTS_MAX_AGE_SECS, MAX_APPROVED_CLIENTS};
pub use cookie::{cookie_value, host_cookie, is_cookie_safe};
pub use endpoints::{upstream_url, UpstreamAuthorization};
pub use exchange::{get_with_token, UpstreamClient, MAX_UPSTREAM_BODY, UPSTREAM_TIMEOUT};
pub use login_state::{UpstreamLogin, LOGIN_BINDING_COOKIE, LOGIN_STATE_TTL, MAX_LOGIN_PAYLOAD_BYTES};
pub use signed::{sign, verify, MAX_SIGNED_BYTES};
pub use token_response::{parse_token_response, UpstreamError, UpstreamToken, MAX_UPSTREAM_TOKEN_BYTES};
