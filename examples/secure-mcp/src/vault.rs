//! A plain agent behind the same provider: browsers connect with the
//! official `AgentClient` / `useAgent` and a token in the query
//! (`query: { token }`), and each connection speaks for its own user.

use serde::{Deserialize, Serialize};
use workers_agents::prelude::*;

/// A note and who left it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Schema)]
pub struct VaultNote {
    /// The user who left it (from their token, never from the client).
    pub user: String,
    /// What they wrote.
    pub text: String,
}

/// The notes, synced to every connection.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Schema)]
pub struct VaultState {
    /// Oldest first.
    pub notes: Vec<VaultNote>,
}

/// Longest note, in characters.
const MAX_NOTE_CHARS: usize = 500;
/// Most notes kept (the oldest go first).
const MAX_NOTES: usize = 100;

/// Notes that several users share, each signed by the token's user.
#[derive(Debug)]
pub struct Vault;

fn caller(ctx: &Context<Vault>) -> Result<Auth> {
    ctx.auth().ok_or_else(|| Error::msg("not authenticated"))
}

#[agent]
impl Agent for Vault {
    type State = VaultState;

    fn new(_env: &worker::Env) -> Self {
        Vault
    }

    fn initial_state(&self) -> VaultState {
        VaultState::default()
    }

    /// Who this connection speaks for.
    #[callable]
    async fn whoami(&self, ctx: &Context<Self>) -> Result<String> {
        Ok(caller(ctx)?.user_id)
    }

    /// Leaves a note signed with the caller's user name.
    #[callable]
    async fn leave_note(&self, ctx: &Context<Self>, text: String) -> Result<usize> {
        let user = caller(ctx)?.user_id;
        if text.trim().is_empty() || text.chars().count() > MAX_NOTE_CHARS {
            return Err(Error::msg(format!("A note is 1 to {MAX_NOTE_CHARS} characters")));
        }
        ctx.update_state(|s| {
            s.notes.push(VaultNote { user, text });
            let over = s.notes.len().saturating_sub(MAX_NOTES);
            s.notes.drain(..over);
        })?;
        Ok(ctx.state()?.notes.len())
    }

    /// Removes every note: admins only ("Permission denied: requires admin").
    #[callable]
    async fn clear(&self, ctx: &Context<Self>) -> Result<()> {
        caller(ctx)?.require_permission("admin")?;
        ctx.update_state(|s| s.notes.clear())
    }

    /// `GET`: who the request speaks for, as JSON.
    async fn on_request(&self, _ctx: &Context<Self>, req: worker::Request) -> Result<worker::Response> {
        let auth = Auth::from_request(&req).ok_or_else(|| Error::msg("not authenticated"))?;
        Ok(worker::Response::from_json(&serde_json::json!({ "user": auth.user_id, "scope": auth.scope }))?)
    }
}
