//! Example: an MCP server behind OAuth 2.1 whose users log in with GitHub
//! (the seed's second way to authorize: a third-party provider).
//!
//! The worker is the authorization server of its MCP clients (registration,
//! tokens: [`provider`]), and hands the person's login to GitHub:
//! `/authorize` ([`authorize_page`]) shows its consent page (once per client
//! and browser), then redirects to GitHub with a single-use state bound to
//! the browser; `/callback` ([`callback_page`]) checks the state, exchanges
//! GitHub's code for the user's GitHub token, reads the user, and issues its
//! own code to the client, with `{login, name, email, accessToken}` as the
//! grant's props.
//!
//! - [`GithubMcp`] at `/mcp` (Streamable HTTP) and `/sse` (legacy SSE):
//!   `whoami` (the login, from the props) and `github_user` (calls GitHub's
//!   `/user` with the user's token).
//! - [`GithubConfig`]: `GITHUB_CLIENT_ID`, `GITHUB_CLIENT_SECRET`,
//!   `COOKIE_ENCRYPTION_KEY`, and GitHub's URLs.
//!
//! A worker serves it with [`serve`] before its other routes; its store is
//! the class `GithubOAuthStore` (its own clients and grants).

mod authorize;
mod callback;
mod config;
mod github;
mod github_mcp;
mod pages;
#[cfg(feature = "standalone")]
mod standalone;

pub use authorize::{authorize_page, UPSTREAM_SCOPE};
pub use callback::callback_page;
pub use config::{
    env_value, ConfigError, GithubConfig, DEFAULT_API_URL, DEFAULT_AUTHORIZE_URL, DEFAULT_TOKEN_URL,
    MIN_COOKIE_KEY_CHARS, USER_AGENT,
};
pub use github::{GithubProps, GithubUser};
pub use github_mcp::{GithubMcp, GithubMcpState};

use worker::{Env, Request, Response};
use workers_agents::mcp::McpEndpoint;
use workers_agents::oauth::{Handled, OAuthProvider};
use workers_agents::{AgentRouter, Routed};

workers_agents::oauth::export_store!(GithubOAuthStore);

/// The OAuth provider: tokens are needed at `/mcp` and `/sse`; clients and
/// grants live in the `GithubOAuthStore` class.
pub fn provider() -> OAuthProvider {
    OAuthProvider::new()
        .protect("/mcp")
        .protect("/sse")
        .store("GithubOAuthStore", 8)
        .resource_name("workers-agents example: GitHub MCP")
}

/// The protected MCP endpoints (serve them with `handle_authorized`, after
/// the provider).
pub fn router() -> AgentRouter {
    AgentRouter::new().mcp(McpEndpoint::streamable_http::<GithubMcp>("/mcp")).mcp(McpEndpoint::sse::<GithubMcp>("/sse"))
}

/// Serves what is this example's (the provider's endpoints, `/authorize`,
/// `/callback`, the protected MCP server), configured from `env`; hands
/// back the rest.
pub async fn serve(req: Request, env: &Env) -> worker::Result<Result<Response, Request>> {
    serve_with(req, env, &provider(), GithubConfig::from_env(env)).await
}

/// [`serve`] with another provider or configuration. A configuration error
/// is the answer of the login pages (a 500 page naming the variable); the
/// provider's endpoints and the MCP server do without it.
pub async fn serve_with(
    req: Request,
    env: &Env,
    provider: &OAuthProvider,
    config: Result<GithubConfig, ConfigError>,
) -> worker::Result<Result<Response, Request>> {
    let req = match provider.handle(req, env).await? {
        Handled::Response(response) => return Ok(Ok(response)),
        Handled::Authorized(req, auth) => {
            return match router().handle_authorized(req, env, &auth).await? {
                Routed::Response(response) => Ok(Ok(response)),
                Routed::Unrouted(_) => Ok(Ok(Response::error("Not found", 404)?)),
            }
        }
        Handled::Other(req) => req,
    };
    let path = req.path();
    if path != "/authorize" && path != "/callback" {
        return Ok(Err(req));
    }
    let config = match config {
        Ok(config) => config,
        Err(e) => {
            worker::console_error!("github-mcp is not configured: {e}");
            return Ok(Ok(pages::error_page(500, "This server is not configured", &e.0)?));
        }
    };
    let response = if path == "/authorize" {
        authorize_page(provider, &config, req, env).await?
    } else {
        callback_page(provider, &config, req, env).await?
    };
    Ok(Ok(response))
}
