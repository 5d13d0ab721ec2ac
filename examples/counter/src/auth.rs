//! Auth made of routing hooks: instances named `private-*` need
//! `?token=letmein` to connect and `Authorization: Bearer letmein` for HTTP,
//! which then reaches the agent with `x-demo-user` added. The demo puts these
//! hooks on all its agents; the test fixture does too, and tests them.

use worker::{Request, Response, Result};
use workers_agents::{AgentRouter, Before};

/// Adds the hooks to `router`: they guard every agent it serves.
pub fn private_names(router: AgentRouter) -> AgentRouter {
    router
        .on_before_connect(|req, target| async move {
            let allowed = !target.name.starts_with("private-")
                || req.url()?.query_pairs().any(|(k, v)| k == "token" && v == "letmein");
            Ok(if allowed { Before::Continue(req) } else { Before::Respond(Response::error("Unauthorized", 401)?) })
        })
        .on_before_request(|req, target| async move {
            if !target.name.starts_with("private-") {
                return Ok(Before::Continue(req));
            }
            if req.headers().get("authorization")?.as_deref() != Some("Bearer letmein") {
                return Ok(Before::Respond(Response::error("Unauthorized", 401)?));
            }
            // Rewrite: tell the agent who the caller is.
            let req = Request::new_with_init(req.url()?.as_ref(), &authenticated(&req)?)?;
            Ok(Before::Continue(req))
        })
}

/// The request's method and headers plus `x-demo-user`, for the agent.
fn authenticated(req: &Request) -> Result<worker::RequestInit> {
    // Incoming headers are immutable: copy them.
    let headers = worker::Headers::new();
    for (key, value) in req.headers().entries() {
        headers.append(&key, &value)?;
    }
    headers.set("x-demo-user", "letmein-user")?;
    let mut init = worker::RequestInit::new();
    init.with_method(req.method()).with_headers(headers);
    Ok(init)
}
