//! The OAuth store: a Durable Object (an agent of the framework) holding
//! grants and tokens (and clients, and pending upstream logins) in its
//! SQLite, one instance per shard. The provider
//! calls it through its typed stub; nothing routes clients to it.
//!
//! A worker that uses the provider exports the class with
//! [`export_store!`](crate::oauth::export_store) and binds it in
//! `wrangler.toml` (binding and class `OAuthStore`, a `new_sqlite_classes`
//! migration).

mod clients;
mod grants;
mod rows;
mod states;

pub use clients::StoredClient;
pub use states::{PendingLogin, StateTake};

pub(crate) use grants::user_grant_prefix;
pub use grants::{
    grant_of, new_grant_id, CodeExchange, GrantSummary, Issued, Lifetimes, NewGrant, RefreshExchange, TokenInfo,
};

use crate::oauth::OAuthError;
use crate::prelude::*;

/// How often a shard deletes what expired.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// The store's Durable Object: grants and tokens of one shard.
#[derive(Debug)]
pub struct OAuthStore;

/// What a store call answers: the value, or the OAuth error to send.
pub type Outcome<T> = std::result::Result<T, OAuthError>;

/// One shard of the OAuth provider's grants and tokens.
#[agent(export = false)]
impl Agent for OAuthStore {
    type State = ();

    fn new(_env: &worker::Env) -> Self {
        OAuthStore
    }

    fn initial_state(&self) {}

    async fn on_start(&self, ctx: &Context<Self>) -> Result<()> {
        ctx.sql().execute_batch(rows::SCHEMA)?;
        ctx.sql().execute_batch(clients::SCHEMA)?;
        ctx.sql().execute_batch(states::SCHEMA)?;
        // Expired rows go hourly (an interval schedule is kept once, however often this runs).
        ctx.schedule(When::every(SWEEP_EVERY), Self::SWEEP, &()).await?;
        Ok(())
    }

    /// Deletes what expired (the hourly schedule).
    #[task]
    async fn sweep(&self, ctx: &Context<Self>) -> Result<()> {
        let now = worker::Date::now().as_millis() as i64;
        rows::purge(ctx.sql(), now)?;
        clients::purge(ctx.sql(), now)?;
        states::purge(ctx.sql(), now)?;
        Ok(())
    }

    /// Stores (or replaces) a client, with its secret's hash.
    #[callable]
    async fn put_client(
        &self,
        ctx: &Context<Self>,
        client: StoredClient,
        now_ms: i64,
        expires_ms: Option<i64>,
    ) -> Result<()> {
        clients::put(ctx.sql(), &client, now_ms, expires_ms)
    }

    /// The client, unless unknown or expired.
    #[callable]
    async fn get_client(&self, ctx: &Context<Self>, client_id: String, now_ms: i64) -> Result<Option<StoredClient>> {
        clients::get(ctx.sql(), &client_id, now_ms)
    }

    /// Deletes a client (its grants live in the grant shards: revoke them there).
    #[callable]
    async fn delete_client(&self, ctx: &Context<Self>, client_id: String) -> Result<bool> {
        clients::delete(ctx.sql(), &client_id)
    }

    /// Stores a completed authorization; answers its code.
    #[callable]
    async fn create_grant(&self, ctx: &Context<Self>, grant: NewGrant) -> Result<Outcome<String>> {
        Ok(grants::create_grant(ctx.sql(), grant).await)
    }

    /// Exchanges an authorization code for tokens.
    #[callable]
    async fn exchange_code(&self, ctx: &Context<Self>, request: CodeExchange) -> Result<Outcome<Issued>> {
        Ok(grants::exchange_code(ctx.sql(), request).await)
    }

    /// Exchanges a refresh token for new tokens.
    #[callable]
    async fn exchange_refresh(&self, ctx: &Context<Self>, request: RefreshExchange) -> Result<Outcome<Issued>> {
        Ok(grants::exchange_refresh(ctx.sql(), request).await)
    }

    /// What an access token stands for, if it is valid at `now_ms`.
    #[callable]
    async fn unwrap_token(
        &self,
        ctx: &Context<Self>,
        token: String,
        now_ms: i64,
    ) -> Result<Outcome<Option<TokenInfo>>> {
        Ok(grants::unwrap_token(ctx.sql(), &token, now_ms).await)
    }

    /// Revokes a token of `client_id` (RFC 7009).
    #[callable]
    async fn revoke(&self, ctx: &Context<Self>, token: String, client_id: String) -> Result<Outcome<()>> {
        Ok(grants::revoke(ctx.sql(), &token, &client_id).await)
    }

    /// The user's grants in this shard.
    #[callable]
    async fn list_user_grants(&self, ctx: &Context<Self>, user_id: String) -> Result<Outcome<Vec<GrantSummary>>> {
        Ok(grants::list_user_grants(ctx.sql(), &user_id))
    }

    /// Ends a grant of `user_id`.
    #[callable]
    async fn revoke_grant(&self, ctx: &Context<Self>, grant_id: String, user_id: String) -> Result<Outcome<bool>> {
        Ok(grants::revoke_grant(ctx.sql(), &grant_id, &user_id))
    }

    /// Stores a pending upstream login (its state's hash must be new).
    #[callable]
    async fn put_login_state(&self, ctx: &Context<Self>, login: PendingLogin) -> Result<()> {
        states::put(ctx.sql(), &login)
    }

    /// Takes a pending upstream login once: its payload if the state is
    /// pending for this browser binding at `now_ms` (then it is gone).
    #[callable]
    async fn take_login_state(
        &self,
        ctx: &Context<Self>,
        state_hash: String,
        binding_hash: String,
        now_ms: i64,
    ) -> Result<StateTake> {
        states::take(ctx.sql(), &state_hash, &binding_hash, now_ms)
    }

    /// Deletes what expired by `now_ms`; answers how many rows went.
    #[callable]
    async fn purge(&self, ctx: &Context<Self>, now_ms: i64) -> Result<usize> {
        Ok(rows::purge(ctx.sql(), now_ms)? + clients::purge(ctx.sql(), now_ms)? + states::purge(ctx.sql(), now_ms)?)
    }
}

crate::export_agent!(@trait OAuthStore as OAuthStore, stub = OAuthStoreStub);

/// Exports the OAuth store's Durable Object class (`OAuthStore`) from the
/// worker crate; bind it in `wrangler.toml` with a `new_sqlite_classes`
/// migration. `export_store!(OtherName)` exports it under another class
/// name, for a second provider with its own store
/// ([`OAuthProvider::store`](crate::oauth::OAuthProvider::store)).
#[macro_export]
macro_rules! export_oauth_store {
    () => {
        $crate::export_agent!(@class $crate::oauth::OAuthStore as OAuthStore);
    };
    // Another class name: a second provider in the same worker keeps its
    // clients and grants apart (`OAuthProvider::store("ThatName", n)`).
    ($class:ident) => {
        $crate::export_agent!(@class $crate::oauth::OAuthStore as $class);
    };
}
