//! The login and consent page at `/authorize`: the person types a user name
//! and approves or denies the client. The user name is the identity; `admin`
//! gets the permission `admin`. A real app checks a password or an upstream
//! login here.
//!
//! The form is protected by a double-submit CSRF token (a random value in a
//! `__Host-` cookie and in the form, compared on POST), and the page may not
//! be framed (`frame-ancestors 'none'`), so another site cannot approve in
//! the person's name. The POST re-checks the whole authorization request.

use serde_json::json;
use worker::{Env, Headers, Method, Request, Response};
use workers_agents::html::escape;
use workers_agents::oauth::crypto::{constant_time_eq, random_token};
use workers_agents::oauth::{Approval, AuthorizationRequest, Client, OAuthProvider};

/// The CSRF cookie's name.
const CSRF_COOKIE: &str = "__Host-csrf";
/// Longest user name, in characters.
const MAX_USER_CHARS: usize = 64;

/// Serves `GET` and `POST /authorize`.
pub async fn authorize_page(p: &OAuthProvider, req: Request, env: &Env) -> worker::Result<Response> {
    match req.method() {
        Method::Get => show(p, &req, env).await,
        Method::Post => submit(p, req, env).await,
        _ => Response::error("Method not allowed", 405),
    }
}

fn page(html: String, csrf_cookie: Option<&str>) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    // No form-action: browsers apply it to the redirect that follows the
    // POST, which goes to the client's (checked) redirect URI.
    headers.set("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")?;
    headers.set("x-frame-options", "DENY")?;
    headers.set("cache-control", "no-store")?;
    if let Some(token) = csrf_cookie {
        headers.set(
            "set-cookie",
            &format!("{CSRF_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=600"),
        )?;
    }
    Ok(Response::ok(html)?.with_headers(headers))
}

fn redirect_host(request: &AuthorizationRequest) -> String {
    worker::Url::parse(&request.redirect_uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| request.redirect_uri.clone())
}

async fn show(p: &OAuthProvider, req: &Request, env: &Env) -> worker::Result<Response> {
    let (request, client) = match p.parse_authorization(req, env).await? {
        Ok(parsed) => parsed,
        Err(refused) => return p.refusal(req, &refused),
    };
    let csrf = random_token(32).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let query = req.url()?.query().unwrap_or_default().to_owned();
    page(consent_html(&client, &request, &query, &csrf), Some(&csrf))
}

/// Who vouches for a client of a metadata document: its id's host (the
/// name alone could be anyone's).
fn identified_by(client: &Client) -> String {
    if !client.from_metadata_document {
        return String::new();
    }
    let host = worker::Url::parse(&client.client_id).ok().and_then(|u| u.host_str().map(str::to_owned));
    format!("<p>This client is identified by <strong>{}</strong>.</p>\n", escape(&host.unwrap_or_default()))
}

fn consent_html(client: &Client, request: &AuthorizationRequest, query: &str, csrf: &str) -> String {
    let name = client.client_name.as_deref().unwrap_or("An unnamed client");
    let scope = if request.scope.is_empty() { "(none)".to_owned() } else { request.scope.join(" ") };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {name}</title>
<style>body{{font:16px system-ui;max-width:32rem;margin:3rem auto}}button{{margin-right:.5rem}}</style></head>
<body>
<h1>Authorize {name}</h1>
<p><strong>{name}</strong> wants to act as you on this server. After you decide, you go back to <strong>{host}</strong>.</p>
{identified}<p>Scope: <code>{scope}</code></p>
<form method="post" action="/authorize">
<input type="hidden" name="request" value="{query}">
<input type="hidden" name="csrf" value="{csrf}">
<label>User name <input name="user" required maxlength="{max}" autocomplete="username"></label>
<p><button name="action" value="approve">Approve</button><button name="action" value="deny">Deny</button></p>
</form>
</body></html>
"#,
        name = escape(name),
        host = escape(&redirect_host(request)),
        identified = identified_by(client),
        scope = escape(&scope),
        query = escape(query),
        csrf = escape(csrf),
        max = MAX_USER_CHARS,
    )
}

fn cookie(req: &Request, name: &str) -> Option<String> {
    let header = req.headers().get("cookie").ok().flatten()?;
    header.split(';').find_map(|part| {
        let (key, value) = part.trim().split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}

async fn submit(p: &OAuthProvider, mut req: Request, env: &Env) -> worker::Result<Response> {
    let form = req.form_data().await?;
    let field = |name: &str| match form.get(name) {
        Some(worker::FormEntry::Field(value)) => value,
        _ => String::new(),
    };
    let csrf = field("csrf");
    let expected = cookie(&req, CSRF_COOKIE).unwrap_or_default();
    if csrf.is_empty() || !constant_time_eq(csrf.as_bytes(), expected.as_bytes()) {
        return Response::error("The form expired or was not sent from this page: go back and try again", 403);
    }
    // The authorization request, checked again as on GET.
    let (request, _client) = match p.parse_authorization_query(env, &field("request")).await? {
        Ok(parsed) => parsed,
        Err(refused) => return p.refusal(&req, &refused),
    };
    if field("action") != "approve" {
        return p.deny(&req, &request);
    }
    let user = field("user").trim().to_owned();
    if user.is_empty()
        || user.chars().count() > MAX_USER_CHARS
        || user.contains(':')
        || user.chars().any(char::is_control)
    {
        return Response::error(format!("A user name is 1 to {MAX_USER_CHARS} characters, without ':'"), 400);
    }
    let permissions: Vec<&str> = if user == "admin" { vec!["admin"] } else { vec![] };
    let approval = Approval {
        user_id: user.clone(),
        scope: request.scope.clone(),
        props: json!({ "user": user, "permissions": permissions }),
        metadata: json!({ "label": user }),
    };
    Ok(p.complete_authorization(&req, env, &request, approval).await?)
}
