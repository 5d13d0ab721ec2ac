//! Clients identified by a metadata document (when
//! [`OAuthProvider::client_id_metadata_documents`] is on): the document at
//! the URL client id is fetched (GET, `Accept: application/json`, no
//! cookies or credentials, redirects not followed, within
//! [`CLIENT_DOCUMENT_TIMEOUT`], read up to [`MAX_CLIENT_DOCUMENT_BYTES`]),
//! checked (`client_metadata_document.rs`) and kept in the store's client
//! shard for the time its `Cache-Control` allows (10 minutes when it says
//! nothing), so that a login's requests fetch it once.

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use worker::url::Url;
use worker::{Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

use super::OAuthProvider;
use crate::oauth::store::StoredClient;
use crate::oauth::{
    check_client_id_url, document_cache_ttl, is_document_client_id, validate_client_document, ClientDocumentError,
    CLIENT_DOCUMENT_TIMEOUT, MAX_CLIENT_DOCUMENT_BYTES,
};

/// A client looked up by id: found, unknown, or a document that failed.
pub(crate) type Lookup = Result<Option<StoredClient>, ClientDocumentError>;

impl OAuthProvider {
    /// The client `client_id`: a registered one from the store, or (a URL
    /// id, with documents on) the client its document describes. A URL id
    /// with documents off is unknown, as is anything cached while they were on.
    pub(crate) async fn find_client(&self, env: &Env, client_id: &str) -> crate::Result<Lookup> {
        let store = self.client_store(env, client_id)?;
        if !is_document_client_id(client_id) {
            return Ok(Ok(store.get_client(client_id.to_owned(), self.now_ms()).await?));
        }
        if !self.client_documents {
            return Ok(Ok(None));
        }
        let url = match check_client_id_url(client_id, self.client_documents_on_loopback) {
            Ok(url) => url,
            Err(refused) => return Ok(Err(refused)),
        };
        let now = self.now_ms();
        if let Some(cached) = store.get_client(client_id.to_owned(), now).await? {
            if cached.client.from_metadata_document {
                return Ok(Ok(Some(cached)));
            }
        }
        let (body, cache_control) = match fetch_document(&url).await {
            Ok(fetched) => fetched,
            Err(refused) => return Ok(Err(refused)),
        };
        let client = match validate_client_document(client_id, &body, now / 1000) {
            Ok(client) => client,
            Err(refused) => return Ok(Err(refused)),
        };
        let stored = StoredClient { client, secret_hash: None };
        let ttl = document_cache_ttl(cache_control.as_deref());
        if !ttl.is_zero() {
            store.put_client(stored.clone(), now, Some(now + ttl.as_millis() as i64)).await?;
        }
        Ok(Ok(Some(stored)))
    }
}

fn fetch_error(e: impl std::fmt::Display) -> ClientDocumentError {
    ClientDocumentError::Fetch(e.to_string())
}

/// The document at `url` and its `Cache-Control`, within the limits.
async fn fetch_document(url: &Url) -> Result<(Vec<u8>, Option<String>), ClientDocumentError> {
    let headers = Headers::new();
    headers.set("accept", "application/json").map_err(fetch_error)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers).with_redirect(RequestRedirect::Manual);
    let req = Request::new_with_init(url.as_str(), &init).map_err(fetch_error)?;
    let read = async move {
        let mut response = Fetch::Request(req).send().await.map_err(fetch_error)?;
        let status = response.status_code();
        if (300..400).contains(&status) {
            return Err(fetch_error(format!("it answered a redirect (HTTP {status}), which is not followed")));
        }
        if status != 200 {
            return Err(fetch_error(format!("it answered HTTP {status}")));
        }
        let header = |name: &str| response.headers().get(name).ok().flatten();
        let cache_control = header("cache-control");
        let declared = header("content-length").and_then(|l| l.trim().parse::<u64>().ok());
        if declared.is_some_and(|length| length > MAX_CLIENT_DOCUMENT_BYTES as u64) {
            return Err(ClientDocumentError::TooLarge);
        }
        // Counted while it streams in: a body without a length stops at the limit.
        let mut body = Vec::new();
        // An answer without a body is not streamable: an empty document.
        let Ok(mut stream) = response.stream() else { return Ok((body, cache_control)) };
        while let Some(chunk) = stream.next().await {
            body.extend_from_slice(&chunk.map_err(fetch_error)?);
            if body.len() > MAX_CLIENT_DOCUMENT_BYTES {
                return Err(ClientDocumentError::TooLarge);
            }
        }
        Ok((body, cache_control))
    };
    let timeout = worker::Delay::from(CLIENT_DOCUMENT_TIMEOUT);
    match select(Box::pin(read), Box::pin(timeout)).await {
        Either::Left((answer, _)) => answer,
        Either::Right(_) => Err(fetch_error(format!("no answer within {CLIENT_DOCUMENT_TIMEOUT:?}"))),
    }
}
