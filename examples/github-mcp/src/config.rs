//! The example's configuration, from the worker's environment: the GitHub
//! OAuth app's credentials and the cookie key (secrets, or `.dev.vars` for
//! `wrangler dev`), and GitHub's URLs (vars; defaults are github.com's, a
//! test points them at a local stand-in). A missing or bad value is named
//! in the error, never a panic.

use worker::url::Url;
use worker::Env;
use workers_agents::oauth::upstream::{upstream_url, UpstreamClient};

/// GitHub's authorization endpoint.
pub const DEFAULT_AUTHORIZE_URL: &str = "https://github.com/login/oauth/authorize";
/// GitHub's token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://github.com/login/oauth/access_token";
/// GitHub's REST API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// The `User-Agent` of calls to GitHub (its API refuses calls without one).
pub const USER_AGENT: &str = "workers-agents-github-mcp";
/// Fewest characters of `COOKIE_ENCRYPTION_KEY` (the HMAC key of cookies).
pub const MIN_COOKIE_KEY_CHARS: usize = 32;

/// The example's configuration. Its `Debug` leaves the secrets out.
#[derive(Clone)]
pub struct GithubConfig {
    /// `GITHUB_CLIENT_ID`: the GitHub OAuth app's client id.
    pub client_id: String,
    /// `GITHUB_CLIENT_SECRET`: its client secret.
    pub client_secret: String,
    /// `COOKIE_ENCRYPTION_KEY`: signs the approved-clients cookie.
    pub cookie_key: Vec<u8>,
    /// `GITHUB_AUTHORIZE_URL`.
    pub authorize_url: Url,
    /// `GITHUB_TOKEN_URL`.
    pub token_url: Url,
    /// `GITHUB_API_URL`, without a trailing `/`.
    pub api_url: String,
}

impl std::fmt::Debug for GithubConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubConfig")
            .field("client_id", &self.client_id)
            .field("authorize_url", &self.authorize_url.as_str())
            .field("token_url", &self.token_url.as_str())
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

/// What is wrong with the configuration (names the variable; never a value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The text value of `name` in `env` (a var or a secret), if set and not empty.
pub fn env_value(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string()).filter(|v| !v.trim().is_empty())
}

/// `GITHUB_API_URL` from `env`, checked, without a trailing `/`.
pub(crate) fn api_url(lookup: impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let value = lookup("GITHUB_API_URL").unwrap_or_else(|| DEFAULT_API_URL.into());
    upstream_url("GITHUB_API_URL", &value).map_err(ConfigError)?;
    Ok(value.trim_end_matches('/').to_owned())
}

impl GithubConfig {
    /// The configuration `lookup` gives (a variable's value by its name).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required =
            |name: &str, how: &str| lookup(name).ok_or_else(|| ConfigError(format!("{name} is not set ({how})")));
        let secret = "a secret: `npx wrangler secret put NAME`, or a line NAME=\"…\" in .dev.vars for wrangler dev";
        let client_id = required("GITHUB_CLIENT_ID", &secret.replace("NAME", "GITHUB_CLIENT_ID"))?;
        let client_secret = required("GITHUB_CLIENT_SECRET", &secret.replace("NAME", "GITHUB_CLIENT_SECRET"))?;
        let cookie_key = required("COOKIE_ENCRYPTION_KEY", &secret.replace("NAME", "COOKIE_ENCRYPTION_KEY"))?;
        if cookie_key.chars().count() < MIN_COOKIE_KEY_CHARS {
            return Err(ConfigError(format!(
                "COOKIE_ENCRYPTION_KEY must be at least {MIN_COOKIE_KEY_CHARS} characters (`openssl rand -hex 32`)"
            )));
        }
        let url = |name: &str, default: &str| {
            upstream_url(name, &lookup(name).unwrap_or_else(|| default.into())).map_err(ConfigError)
        };
        Ok(GithubConfig {
            authorize_url: url("GITHUB_AUTHORIZE_URL", DEFAULT_AUTHORIZE_URL)?,
            token_url: url("GITHUB_TOKEN_URL", DEFAULT_TOKEN_URL)?,
            api_url: api_url(&lookup)?,
            client_id,
            client_secret,
            cookie_key: cookie_key.into_bytes(),
        })
    }

    /// The configuration in the worker's environment.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Self::from_lookup(|name| env_value(env, name))
    }

    /// This app as GitHub's client (the code exchange).
    pub fn client(&self) -> UpstreamClient {
        UpstreamClient {
            token_url: self.token_url.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            user_agent: USER_AGENT.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn reads_the_configuration_with_github_defaults() {
        let vars = [("GITHUB_CLIENT_ID", "id"), ("GITHUB_CLIENT_SECRET", "shh"), ("COOKIE_ENCRYPTION_KEY", KEY)];
        let config = GithubConfig::from_lookup(lookup(&vars)).unwrap();
        assert_eq!(config.authorize_url.as_str(), DEFAULT_AUTHORIZE_URL);
        assert_eq!(config.token_url.as_str(), DEFAULT_TOKEN_URL);
        assert_eq!(config.api_url, DEFAULT_API_URL);
        let debug = format!("{config:?} {:?}", config.client());
        assert!(!debug.contains("shh") && !debug.contains(KEY), "{debug}");

        let local = [
            vars[0],
            vars[1],
            vars[2],
            ("GITHUB_API_URL", "http://127.0.0.1:8797/"),
            ("GITHUB_TOKEN_URL", "http://127.0.0.1:8797/login/oauth/access_token"),
        ];
        let config = GithubConfig::from_lookup(lookup(&local)).unwrap();
        assert_eq!(config.api_url, "http://127.0.0.1:8797");
        assert_eq!(config.token_url.as_str(), "http://127.0.0.1:8797/login/oauth/access_token");
    }

    #[test]
    fn names_what_is_missing_or_wrong() {
        let all = [
            ("GITHUB_CLIENT_ID", "id"),
            ("GITHUB_CLIENT_SECRET", "shh"),
            ("COOKIE_ENCRYPTION_KEY", KEY),
            ("GITHUB_TOKEN_URL", "https://github.com/login/oauth/access_token"),
        ];
        for missing in ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "COOKIE_ENCRYPTION_KEY"] {
            let vars: Vec<_> = all.iter().copied().filter(|(n, _)| *n != missing).collect();
            let error = GithubConfig::from_lookup(lookup(&vars)).unwrap_err().0;
            assert!(error.starts_with(&format!("{missing} is not set")), "{error}");
            assert!(error.contains(".dev.vars") && !error.contains("shh"), "{error}");
        }
        let short = [all[0], all[1], ("COOKIE_ENCRYPTION_KEY", "short")];
        assert!(GithubConfig::from_lookup(lookup(&short)).unwrap_err().0.contains("at least 32 characters"));
        let plain = [all[0], all[1], all[2], ("GITHUB_TOKEN_URL", "http://github.com/token")];
        assert!(GithubConfig::from_lookup(lookup(&plain)).unwrap_err().0.starts_with("GITHUB_TOKEN_URL must be"));
    }
}
