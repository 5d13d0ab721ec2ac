//! `/authorize`: the consent page, then the redirect to GitHub.
//!
//! GET checks the MCP client's authorization request. A client this browser
//! already approved (the signed approved-clients cookie) goes straight to
//! GitHub; any other gets the consent page first: the client's name and the
//! host it sends you back to, Approve or Deny. Without it any registered
//! client could ride the person's GitHub session (GitHub approves this app
//! once, for every client). The form is protected by a double-submit CSRF
//! token (a `__Host-` cookie and a hidden field) and may not be framed.
//!
//! POST (Approve) checks the request again, remembers the client in the
//! approved-clients cookie, and redirects to GitHub with a single-use state
//! bound to this browser.

use worker::{Env, Method, Request, Response};
use workers_agents::body::read_text;
use workers_agents::oauth::crypto::{constant_time_eq, random_token};
use workers_agents::oauth::upstream::{cookie_value, host_cookie, ApprovedClients, UpstreamAuthorization};
use workers_agents::oauth::{AuthorizationRequest, Client, OAuthProvider};

use crate::config::GithubConfig;
use crate::pages::{error_page, escape, page, redirect};

/// The CSRF cookie's name.
const CSRF_COOKIE: &str = "__Host-github-csrf";
/// How long the consent form may stay open.
const CSRF_MAX_AGE_SECS: u64 = 600;
/// What the app asks GitHub for: the user's profile.
pub const UPSTREAM_SCOPE: &str = "read:user";
/// Largest consent form body.
const MAX_FORM_BYTES: usize = 32 * 1024;

fn internal(e: impl std::fmt::Display) -> worker::Error {
    worker::Error::RustError(e.to_string())
}

/// The request's origin (this server).
pub(crate) fn origin(req: &Request) -> worker::Result<String> {
    Ok(req.url()?.origin().ascii_serialization())
}

/// Serves `GET` and `POST /authorize`.
pub async fn authorize_page(
    p: &OAuthProvider,
    config: &GithubConfig,
    req: Request,
    env: &Env,
) -> worker::Result<Response> {
    match req.method() {
        Method::Get => show(p, config, &req, env).await,
        Method::Post => submit(p, config, req, env).await,
        _ => Response::error("Method not allowed", 405),
    }
}

async fn show(p: &OAuthProvider, config: &GithubConfig, req: &Request, env: &Env) -> worker::Result<Response> {
    let (request, client) = match p.parse_authorization(req, env).await? {
        Ok(parsed) => parsed,
        Err(refused) => return p.refusal(req, &refused),
    };
    let query = req.url()?.query().unwrap_or_default().to_owned();
    let approved = ApprovedClients::from_request(req, &config.cookie_key).await.map_err(internal)?;
    if approved.contains(&request.client_id) {
        return to_github(p, config, req, env, &query, Vec::new()).await;
    }
    let csrf = random_token(32).map_err(internal)?;
    let cookie = host_cookie(CSRF_COOKIE, &csrf, CSRF_MAX_AGE_SECS);
    page(
        200,
        &format!("Authorize {}", client_name(&client)),
        &consent_html(&client, &request, &query, &csrf),
        &[cookie],
    )
}

fn client_name(client: &Client) -> &str {
    client.client_name.as_deref().unwrap_or("An unnamed client")
}

fn redirect_host(request: &AuthorizationRequest) -> String {
    worker::Url::parse(&request.redirect_uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| request.redirect_uri.clone())
}

fn consent_html(client: &Client, request: &AuthorizationRequest, query: &str, csrf: &str) -> String {
    format!(
        r#"<p><strong>{name}</strong> wants to use this MCP server as you. You log in with GitHub next; this server
then reads your GitHub profile (<code>{scope}</code>) and calls GitHub for you when {name} asks it to.</p>
{asked}<p>After that you go back to <strong>{host}</strong>.</p>
<form method="post" action="/authorize">
<input type="hidden" name="request" value="{query}">
<input type="hidden" name="csrf" value="{csrf}">
<p><button name="action" value="approve">Approve and log in with GitHub</button><button name="action" value="deny">Deny</button></p>
</form>"#,
        name = escape(client_name(client)),
        scope = UPSTREAM_SCOPE,
        asked = if request.scope.is_empty() {
            String::new()
        } else {
            format!("<p>It asks for: <code>{}</code></p>\n", escape(&request.scope.join(" ")))
        },
        host = escape(&redirect_host(request)),
        query = escape(query),
        csrf = escape(csrf),
    )
}

/// Starts the GitHub login for the authorization request `query`: the 302
/// to GitHub, with the browser binding and `cookies` set.
async fn to_github(
    p: &OAuthProvider,
    config: &GithubConfig,
    req: &Request,
    env: &Env,
    query: &str,
    mut cookies: Vec<String>,
) -> worker::Result<Response> {
    let login = match p.begin_upstream_login(req, env, query).await {
        Ok(login) => login,
        Err(workers_agents::Error::BadRequest(why)) => return error_page(400, "Authorization refused", &why),
        Err(e) => return Err(e.into()),
    };
    let callback = format!("{}/callback", origin(req)?);
    let url = UpstreamAuthorization {
        endpoint: &config.authorize_url,
        client_id: &config.client_id,
        redirect_uri: &callback,
        scope: UPSTREAM_SCOPE,
        state: &login.state,
    }
    .url();
    cookies.push(login.set_cookie);
    redirect(&url, &cookies)
}

async fn submit(p: &OAuthProvider, config: &GithubConfig, mut req: Request, env: &Env) -> worker::Result<Response> {
    let body = match read_text(&mut req, MAX_FORM_BYTES).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    let fields: Vec<(String, String)> = worker::url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or_default();
    let header = req.headers().get("cookie")?.unwrap_or_default();
    let expected = cookie_value(&header, CSRF_COOKIE).unwrap_or_default();
    let csrf = field("csrf");
    if csrf.is_empty() || !constant_time_eq(csrf.as_bytes(), expected.as_bytes()) {
        return error_page(
            403,
            "Authorization refused",
            "The form expired or was not sent from this page: go back to your app and try again.",
        );
    }
    // The authorization request, checked again as on GET.
    let query = field("request").to_owned();
    let (request, _client) = match p.parse_authorization_query(env, &query).await? {
        Ok(parsed) => parsed,
        Err(refused) => return p.refusal(&req, &refused),
    };
    if field("action") != "approve" {
        return p.deny(&req, &request);
    }
    let approved = ApprovedClients::from_request(&req, &config.cookie_key).await.map_err(internal)?;
    let remember = approved.with(&request.client_id).set_cookie(&config.cookie_key).await.map_err(internal)?;
    to_github(p, config, &req, env, &query, vec![remember, host_cookie(CSRF_COOKIE, "", 0)]).await
}
