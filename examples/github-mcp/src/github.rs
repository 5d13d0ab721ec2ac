//! GitHub's user API (`GET /user`) and what a login attaches to its grant.

use serde::{Deserialize, Serialize};
use workers_agents::oauth::upstream::get_with_token;

use crate::config::USER_AGENT;

/// Longest GitHub login accepted (GitHub's own limit is 39).
const MAX_LOGIN_CHARS: usize = 100;

/// The GitHub user, as `GET /user` answers (the fields this example uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubUser {
    /// The user name (`octocat`).
    pub login: String,
    /// The numeric id.
    pub id: u64,
    /// The display name, if set.
    #[serde(default)]
    pub name: Option<String>,
    /// The public e-mail address, if set.
    #[serde(default)]
    pub email: Option<String>,
}

/// What the tools get with every token of a grant: who logged in, and
/// their GitHub token to call GitHub for them. Its `Debug` leaves the token
/// out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubProps {
    /// The GitHub login.
    pub login: String,
    /// The display name.
    pub name: Option<String>,
    /// The public e-mail address.
    pub email: Option<String>,
    /// The upstream (GitHub) access token.
    #[serde(rename = "accessToken")]
    pub access_token: String,
}

impl std::fmt::Debug for GithubProps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubProps").field("login", &self.login).finish_non_exhaustive()
    }
}

/// The user in a `GET /user` answer; `Err` says what is wrong with it.
pub(crate) fn parse_user(status: u16, body: &str) -> Result<GithubUser, String> {
    if status != 200 {
        let message = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_owned))
            .unwrap_or_default();
        return Err(format!("GitHub answered {status} to GET /user {message}").trim_end().to_owned());
    }
    let user: GithubUser = serde_json::from_str(body).map_err(|e| format!("GitHub's user is not readable: {e}"))?;
    let login_ok = !user.login.is_empty()
        && user.login.chars().count() <= MAX_LOGIN_CHARS
        && user.login.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !login_ok {
        return Err("GitHub's user has no usable login".into());
    }
    Ok(user)
}

/// The user `token` belongs to, from `{api_url}/user`.
pub(crate) async fn fetch_user(api_url: &str, token: &str) -> Result<GithubUser, String> {
    let (status, body) =
        get_with_token(&format!("{api_url}/user"), token, USER_AGENT).await.map_err(|e| e.to_string())?;
    parse_user(status, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_user() {
        let user =
            parse_user(200, r#"{"login":"octocat","id":583231,"name":"The Octocat","email":null,"x":1}"#).unwrap();
        assert_eq!(
            user,
            GithubUser { login: "octocat".into(), id: 583231, name: Some("The Octocat".into()), email: None }
        );
        assert_eq!(
            parse_user(401, r#"{"message":"Bad credentials"}"#).unwrap_err(),
            "GitHub answered 401 to GET /user Bad credentials"
        );
        assert_eq!(parse_user(500, "oops").unwrap_err(), "GitHub answered 500 to GET /user");
        for bad in ["{}", r#"{"login":"","id":1}"#, r#"{"login":"a:b","id":1}"#, r#"{"login":"a b","id":1}"#, "[]"] {
            assert!(parse_user(200, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn props_keep_the_token_out_of_debug() {
        let props = GithubProps { login: "o".into(), name: None, email: None, access_token: "gho_secret".into() };
        assert!(!format!("{props:?}").contains("gho_secret"));
        assert_eq!(serde_json::to_value(&props).unwrap()["accessToken"], "gho_secret");
    }
}
