//! Example: an MCP server behind OAuth 2.1, where the worker handles the
//! login itself (the seed's first way to authorize).
//!
//! - [`SecureMcp`] at `/secure/mcp` (Streamable HTTP) and `/secure/sse`
//!   (legacy SSE): `whoami`, and `admin_action` for the user `admin` only.
//! - [`Vault`], a plain agent at `/secure/agents/vault/{name}`: WebSocket
//!   clients bring their token in the query (`?token=`), and each
//!   connection speaks for its own user.
//! - [`provider`]: the OAuth provider (`/.well-known/*`, `/register`,
//!   `/token`) protecting `/secure`; [`provider_for`] adds, when the
//!   environment configures one, JWTs of another issuer (the seed's third
//!   way: bring your own provider, such as Auth0).
//! - [`authorize_page`]: the login and consent page at `/authorize`.
//!
//! A worker serves them with [`serve`] before its other routes.

mod external;
mod login;
mod secure_mcp;
#[cfg(feature = "standalone")]
mod standalone;
mod vault;

pub use external::provider_for;
pub use login::authorize_page;
pub use secure_mcp::{SecureMcp, SecureMcpState};
pub use vault::{Vault, VaultNote, VaultState};

use worker::{Env, Request, Response};
use workers_agents::mcp::McpEndpoint;
use workers_agents::oauth::{Handled, OAuthProvider};
use workers_agents::{AgentRouter, Routed};

workers_agents::oauth::export_store!();

/// The OAuth provider: tokens are needed under `/secure`; WebSocket
/// upgrades may bring theirs as `?token=`.
pub fn provider() -> OAuthProvider {
    OAuthProvider::new()
        .protect("/secure")
        .websocket_token_param("token")
        .resource_name("workers-agents demo: secure MCP")
}

/// The protected MCP endpoints and agents (serve them with
/// `handle_authorized`, after the provider).
pub fn secure_router() -> AgentRouter {
    AgentRouter::new()
        .prefix("/secure/agents")
        .agent::<Vault>()
        .mcp(McpEndpoint::streamable_http::<SecureMcp>("/secure/mcp"))
        .mcp(McpEndpoint::sse::<SecureMcp>("/secure/sse"))
}

/// Serves what is this example's (the provider's endpoints, the login page,
/// the protected MCP server); hands back the rest.
pub async fn serve(req: Request, env: &Env) -> worker::Result<Result<Response, Request>> {
    let provider = provider_for(env)?;
    match provider.handle(req, env).await? {
        Handled::Response(response) => Ok(Ok(response)),
        Handled::Authorized(req, auth) => match secure_router().handle_authorized(req, env, &auth).await? {
            Routed::Response(response) => Ok(Ok(response)),
            Routed::Unrouted(_) => Ok(Ok(Response::error("Not found", 404)?)),
        },
        Handled::Other(req) if req.path() == "/authorize" => Ok(Ok(authorize_page(&provider, req, env).await?)),
        Handled::Other(req) => Ok(Err(req)),
    }
}
