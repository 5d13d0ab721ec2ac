//! Management for the app (an account page, an admin tool): a user's
//! grants, ending one, and clients made or deleted by hand. Each call goes
//! to the one shard that holds what it names.

use serde_json::Value;
use worker::Env;

use super::endpoints::create_client;
use super::OAuthProvider;
use crate::oauth::store::{user_grant_prefix, GrantSummary};
use crate::oauth::{Client, OAuthError};

/// A client made with [`OAuthProvider::create_client`].
#[derive(Clone)]
pub struct CreatedClient {
    /// The client, as stored.
    pub client: Client,
    /// Its secret, for a confidential client: shown this once, stored only as a hash.
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for CreatedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedClient").field("client", &self.client).finish_non_exhaustive()
    }
}

fn store_error(e: OAuthError) -> crate::Error {
    crate::Error::msg(e.to_string())
}

impl OAuthProvider {
    /// The grants `user_id` has given (one per client), newest last.
    pub async fn list_user_grants(&self, env: &Env, user_id: &str) -> crate::Result<Vec<GrantSummary>> {
        let shard = user_grant_prefix(user_id).to_string();
        self.grant_store(env, &shard)?.list_user_grants(user_id.to_owned()).await?.map_err(store_error)
    }

    /// Ends a grant of `user_id` with every token it issued; `false` when
    /// the user has no such grant.
    pub async fn revoke_grant(&self, env: &Env, user_id: &str, grant_id: &str) -> crate::Result<bool> {
        let store = self.grant_store(env, grant_id)?;
        store.revoke_grant(grant_id.to_owned(), user_id.to_owned()).await?.map_err(store_error)
    }

    /// Makes a client from RFC 7591 metadata, checked as the registration
    /// endpoint checks it (`Err` is its `invalid_client_metadata`). Unlike
    /// a dynamic registration, it does not expire unless `ttl` says so.
    pub async fn create_client(
        &self,
        env: &Env,
        metadata: &Value,
        ttl: Option<std::time::Duration>,
    ) -> crate::Result<Result<CreatedClient, OAuthError>> {
        Ok(create_client(self, env, metadata, ttl)
            .await
            .map(|(client, client_secret, _)| CreatedClient { client, client_secret }))
    }

    /// Deletes a client: it can no longer authorize or refresh (access
    /// tokens it holds last until they expire; revoke the grants to end them
    /// at once). `false` when there was none.
    pub async fn delete_client(&self, env: &Env, client_id: &str) -> crate::Result<bool> {
        self.client_store(env, client_id)?.delete_client(client_id.to_owned()).await
    }
}
