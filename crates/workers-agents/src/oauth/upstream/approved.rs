//! The clients a browser has approved: a signed `__Host-` cookie holding
//! their ids (a JSON array), so a client the person already approved in this
//! browser goes straight to the upstream login, and any other client gets
//! the consent page first (a proxy to an upstream provider that skipped it
//! would let any registered client ride the person's upstream session).
//!
//! A cookie that is missing, malformed, or not signed with the app's key
//! approves nothing.

use worker::Request;

use super::cookie::{cookie_value, host_cookie};
use super::signed::{sign, verify};
use crate::oauth::crypto::CryptoError;

/// The cookie's name.
pub const APPROVED_CLIENTS_COOKIE: &str = "__Host-approved-clients";
/// How long an approval is remembered (30 days), renewed with each one.
pub const APPROVED_CLIENTS_MAX_AGE_SECS: u64 = 30 * 86_400;
/// Most clients remembered; approving one more forgets the oldest.
pub const MAX_APPROVED_CLIENTS: usize = 32;
/// Longest client id remembered (a registered client's id is 16 characters).
const MAX_CLIENT_ID_BYTES: usize = 128;
/// What the signature is for (see `signed.rs`).
const PURPOSE: &str = "workers-agents approved clients v1";

/// The approved client ids, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApprovedClients(Vec<String>);

impl ApprovedClients {
    /// The list a verified cookie payload holds; empty when it is not a JSON
    /// array of at most [`MAX_APPROVED_CLIENTS`] ids.
    pub fn from_payload(payload: &[u8]) -> Self {
        let ids: Vec<String> = serde_json::from_slice(payload).unwrap_or_default();
        if ids.len() > MAX_APPROVED_CLIENTS || ids.iter().any(|id| id.is_empty() || id.len() > MAX_CLIENT_ID_BYTES) {
            return Self::default();
        }
        ApprovedClients(ids)
    }

    /// The cookie payload.
    pub fn to_payload(&self) -> Vec<u8> {
        serde_json::to_vec(&self.0).unwrap_or_default()
    }

    /// Whether `client_id` was approved.
    pub fn contains(&self, client_id: &str) -> bool {
        self.0.iter().any(|id| id == client_id)
    }

    /// The list with `client_id` approved (the newest), keeping the newest
    /// [`MAX_APPROVED_CLIENTS`].
    pub fn with(mut self, client_id: &str) -> Self {
        self.0.retain(|id| id != client_id);
        self.0.push(client_id.to_owned());
        let excess = self.0.len().saturating_sub(MAX_APPROVED_CLIENTS);
        self.0.drain(..excess);
        self
    }

    /// The ids, oldest first.
    pub fn ids(&self) -> &[String] {
        &self.0
    }

    /// The clients `req`'s cookie approves, if it is signed under `key`.
    pub async fn from_request(req: &Request, key: &[u8]) -> Result<Self, CryptoError> {
        let header = req.headers().get("cookie").ok().flatten().unwrap_or_default();
        let Some(value) = cookie_value(&header, APPROVED_CLIENTS_COOKIE) else { return Ok(Self::default()) };
        Ok(verify(key, PURPOSE, value).await?.map(|payload| Self::from_payload(&payload)).unwrap_or_default())
    }

    /// The `Set-Cookie` value that remembers this list, signed under `key`.
    pub async fn set_cookie(&self, key: &[u8]) -> Result<String, CryptoError> {
        let value = sign(key, PURPOSE, &self.to_payload()).await?;
        Ok(host_cookie(APPROVED_CLIENTS_COOKIE, &value, APPROVED_CLIENTS_MAX_AGE_SECS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_clients_newest_last() {
        let list = ApprovedClients::default().with("a").with("b").with("a");
        assert_eq!(list.ids(), ["b", "a"]);
        assert!(list.contains("a") && !list.contains("c"));
        assert_eq!(ApprovedClients::from_payload(&list.to_payload()), list);
        let mut many = ApprovedClients::default();
        for i in 0..MAX_APPROVED_CLIENTS + 3 {
            many = many.with(&format!("c{i}"));
        }
        assert_eq!(many.ids().len(), MAX_APPROVED_CLIENTS);
        assert!(
            !many.contains("c2") && many.contains("c3") && many.contains(&format!("c{}", MAX_APPROVED_CLIENTS + 2))
        );
    }

    #[test]
    fn a_bad_payload_approves_nothing() {
        let too_many = serde_json::to_vec(&vec!["x"; MAX_APPROVED_CLIENTS + 1]).unwrap();
        let long = serde_json::to_vec(&["x".repeat(MAX_CLIENT_ID_BYTES + 1)]).unwrap();
        for bad in [&b"not json"[..], b"{\"a\":1}", b"[1,2]", b"[\"\"]", &too_many, &long] {
            assert_eq!(ApprovedClients::from_payload(bad), ApprovedClients::default());
        }
    }
}
