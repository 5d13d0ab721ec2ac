//! Auth made of routing hooks: instances named `private-*` need
//! `?token=letmein` to connect and `Authorization: Bearer letmein` for HTTP.
//! The demo puts these hooks on every router that reaches its agents (the
//! chat rooms' second mount too), and the worker's own `/api/counter/...`
//! route checks the same ([`bearer_admits`]); the test fixture does too, and
//! tests them.
//!
//! The hooks hand the agent who the caller is in [`USER_HEADER`]: set for an
//! admitted caller of a private instance, and removed from every request and
//! upgrade they pass on, so the value an agent reads never comes from a client.

use worker::{Request, Response, Result};
use workers_agents::{AgentRouter, Before};

/// Instances whose name starts with this need the token.
const PRIVATE_PREFIX: &str = "private-";
/// The header that tells an agent who the caller is. Only the hooks set it:
/// a client's own is removed.
const USER_HEADER: &str = "x-demo-user";
/// The demo's only token, and the user it stands for.
const TOKEN: &str = "letmein";
const USER: &str = "letmein-user";

/// Adds the hooks to `router`: they guard every agent it serves (a mount has
/// its own hooks: give it these too).
pub fn private_names(router: AgentRouter) -> AgentRouter {
    router
        .on_before_connect(|req, target| async move {
            let token = req.url()?.query_pairs().any(|(k, v)| k == "token" && v == TOKEN);
            admit(req, &target.name, token)
        })
        .on_before_request(|req, target| async move {
            let bearer = bearer_admits(&req)?;
            admit(req, &target.name, bearer)
        })
}

/// Whether instance `name` needs the token.
pub(crate) fn is_private(name: &str) -> bool {
    name.starts_with(PRIVATE_PREFIX)
}

/// Whether `req` carries `Authorization: Bearer <the token>`.
pub(crate) fn bearer_admits(req: &Request) -> Result<bool> {
    Ok(req.headers().get("authorization")?.is_some_and(|value| value == format!("Bearer {TOKEN}")))
}

/// 401 for a private instance without the token; otherwise the request, with
/// [`USER_HEADER`] set for a private instance and removed for a public one.
fn admit(req: Request, name: &str, has_token: bool) -> Result<Before> {
    let private = is_private(name);
    if private && !has_token {
        return Ok(Before::Respond(Response::error("Unauthorized", 401)?));
    }
    if !private && !req.headers().has(USER_HEADER)? {
        return Ok(Before::Continue(req));
    }
    // Incoming headers are immutable: copy the request (body included).
    let mut req = req.clone_mut()?;
    let headers = req.headers_mut()?;
    headers.delete(USER_HEADER)?;
    if private {
        headers.set(USER_HEADER, USER)?;
    }
    Ok(Before::Continue(req))
}
