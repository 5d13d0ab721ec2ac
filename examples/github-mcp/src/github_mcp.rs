//! The MCP server GitHub users reach: its tools read the caller's props
//! (the GitHub login and token the callback attached) and call GitHub with
//! the user's own token.

use serde::{Deserialize, Serialize};
use workers_agents::oauth::upstream::get_with_token;
use workers_agents::prelude::*;

use crate::config::{api_url, env_value, USER_AGENT};
use crate::github::{parse_user, GithubProps};

/// Nothing: who calls comes with each request.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Schema)]
pub struct GithubMcpState {}

/// The MCP server behind the OAuth provider, one instance per session.
#[derive(Debug)]
pub struct GithubMcp {
    /// `GITHUB_API_URL` (checked), or why it is unusable.
    api_url: std::result::Result<String, String>,
}

fn props(ctx: &Context<GithubMcp>) -> Result<GithubProps> {
    ctx.auth().ok_or_else(|| Error::msg("not authenticated"))?.props()
}

#[agent(mcp(name = "GitHub", version = "1.0.0"))]
impl Agent for GithubMcp {
    type State = GithubMcpState;

    fn new(env: &worker::Env) -> Self {
        GithubMcp { api_url: api_url(|name| env_value(env, name)).map_err(|e| e.0) }
    }

    fn initial_state(&self) -> GithubMcpState {
        GithubMcpState::default()
    }

    /// Who you are: the GitHub login you logged in with
    #[tool]
    async fn whoami(&self, ctx: &Context<Self>) -> Result<ToolResult> {
        Ok(ToolResult::text(props(ctx)?.login))
    }

    /// Your GitHub profile, fetched from GitHub now with your GitHub token
    #[tool]
    async fn github_user(&self, ctx: &Context<Self>) -> Result<ToolResult> {
        let props = props(ctx)?;
        let api_url = self.api_url.as_ref().map_err(|why| Error::msg(why.clone()))?;
        let (status, body) = get_with_token(&format!("{api_url}/user"), &props.access_token, USER_AGENT)
            .await
            .map_err(|e| Error::msg(e.to_string()))?;
        match parse_user(status, &body) {
            Ok(user) => Ok(ToolResult::text(serde_json::to_string(&user)?)),
            Err(why) => Ok(ToolResult::error(why)),
        }
    }
}
