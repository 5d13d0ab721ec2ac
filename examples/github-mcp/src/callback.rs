//! `/callback`: where GitHub sends the person back. The state must be one
//! this server issued, unused, under 10 minutes old, and pending for this
//! browser; anything else is a 400 page and nothing is issued (never a
//! redirect to the client: the request it would go to is not known to be
//! this person's). Then the code is exchanged, the user fetched, and the
//! MCP client's authorization completed with the GitHub token in the props.
//!
//! GitHub's `error=access_denied` (the person cancelled at GitHub) goes
//! back to the client as `access_denied`, as a Deny on the consent page
//! does: the client is waiting at its redirect URI and learns at once. Any
//! other upstream error is a configuration problem the person may report
//! (the app's callback URL, a suspended app): a 502 page that names it.

use serde_json::json;
use worker::{Env, Method, Request, Response};
use workers_agents::oauth::upstream::UpstreamError;
use workers_agents::oauth::{Approval, OAuthProvider, StateTake};

use crate::authorize::origin;
use crate::config::GithubConfig;
use crate::github::{fetch_user, GithubProps};
use crate::pages::error_page;

const REFUSED: &str = "Login refused";
const FAILED: &str = "Login with GitHub failed";

/// The one value of `name`; `Err` when it is given twice.
fn single(params: &[(String, String)], name: &str) -> Result<Option<String>, String> {
    let mut values = params.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone());
    match (values.next(), values.next()) {
        (Some(_), Some(_)) => Err(format!("The {name} parameter is given more than once.")),
        (value, _) => Ok(value),
    }
}

/// Serves `GET /callback`.
pub async fn callback_page(
    p: &OAuthProvider,
    config: &GithubConfig,
    req: Request,
    env: &Env,
) -> worker::Result<Response> {
    if req.method() != Method::Get {
        return Response::error("Method not allowed", 405);
    }
    let params: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
    let mut values: [Option<String>; 4] = Default::default();
    for (value, name) in values.iter_mut().zip(["state", "code", "error", "error_description"]) {
        match single(&params, name) {
            Ok(found) => *value = found,
            Err(why) => return error_page(400, REFUSED, &why),
        }
    }
    let [state, code, error, error_description] = values;
    let Some(state) = state else {
        return error_page(400, REFUSED, "The answer from GitHub has no state: start the login again from your app.");
    };
    let query = match p.finish_upstream_login(&req, env, &state).await? {
        StateTake::Taken(query) => query,
        StateTake::Unknown => {
            return error_page(
                400,
                REFUSED,
                "This login is unknown or was already used: start the login again from your app.",
            )
        }
        StateTake::Expired => {
            return error_page(400, REFUSED, "This login took too long (10 minutes): start it again from your app.")
        }
        StateTake::OtherBrowser => {
            return error_page(
                400,
                REFUSED,
                "This login was started in another browser (or its cookie is gone): start it again from your app, \
                 in this browser.",
            )
        }
    };
    let origin = origin(&req)?;
    let original = Request::new(&format!("{origin}/authorize?{query}"), Method::Get)?;
    let (request, _client) = match p.parse_authorization(&original, env).await? {
        Ok(parsed) => parsed,
        Err(refused) => return p.refusal(&original, &refused),
    };
    if let Some(error) = error {
        if error == "access_denied" {
            return p.deny(&original, &request);
        }
        let detail = error_description.map(|d| format!(" ({d})")).unwrap_or_default();
        return error_page(502, FAILED, &format!("GitHub answered {error}{detail}."));
    }
    let Some(code) = code.filter(|c| !c.is_empty()) else {
        return error_page(400, REFUSED, "The answer from GitHub has no code: start the login again from your app.");
    };
    let callback = format!("{origin}/callback");
    let token = match config.client().exchange_code(&code, &callback).await {
        Ok(token) => token,
        Err(e @ UpstreamError::Refused { .. }) => return error_page(400, FAILED, &format!("No GitHub token: {e}.")),
        Err(e) => return error_page(502, FAILED, &format!("No GitHub token: {e}.")),
    };
    let user = match fetch_user(&config.api_url, &token.access_token).await {
        Ok(user) => user,
        Err(why) => return error_page(502, FAILED, &format!("{why}.")),
    };
    let label = user.name.clone().unwrap_or_else(|| user.login.clone());
    let approval = Approval {
        user_id: user.login.clone(),
        scope: request.scope.clone(),
        props: GithubProps { login: user.login, name: user.name, email: user.email, access_token: token.access_token },
        metadata: json!({ "label": label }),
    };
    Ok(p.complete_authorization(&original, env, &request, approval).await?)
}
