//! What the app's own authorization page uses: the checked request and its
//! client (for the consent screen), then completing or denying it.

use serde::Serialize;
use worker::{Env, Request, Response};

use super::endpoints::origin;
use super::OAuthProvider;
use crate::oauth::authorize::{
    code_redirect, error_redirect, parse_authorization_request, requested_client_id, same_resource,
    AuthorizationRequest, AuthorizeConfig, AuthorizeError,
};
use crate::oauth::store::{new_grant_id, NewGrant};
use crate::oauth::{Client, ErrorCode, OAuthError};

/// What the user approved: who they are, the scope granted, and what the
/// handlers get with every token of the grant.
#[derive(Debug, Clone)]
pub struct Approval<P> {
    /// The user (no `:`).
    pub user_id: String,
    /// The scope granted (the app may narrow what was asked).
    pub scope: Vec<String>,
    /// The props: sealed at rest, given to handlers as [`Auth::props`](crate::Auth::props).
    pub props: P,
    /// Shown in grant listings (a label).
    pub metadata: serde_json::Value,
}

impl OAuthProvider {
    /// The registered client `client_id`, if any (with
    /// [`client_id_metadata_documents`](Self::client_id_metadata_documents)
    /// on, a URL id gives the client its document describes; `None` when
    /// the document fails, whose reason
    /// [`parse_authorization`](Self::parse_authorization) tells).
    pub async fn lookup_client(&self, env: &Env, client_id: &str) -> crate::Result<Option<Client>> {
        Ok(self.find_client(env, client_id).await?.ok().flatten().map(|stored| stored.client))
    }

    /// Checks the authorization request in `req`'s query. `Err` is either
    /// shown on the app's page ([`AuthorizeError::Local`]) or redirected
    /// ([`OAuthProvider::refusal`] makes both).
    pub async fn parse_authorization(
        &self,
        req: &Request,
        env: &Env,
    ) -> crate::Result<Result<(AuthorizationRequest, Client), AuthorizeError>> {
        self.parse_authorization_query(env, req.url()?.query().unwrap_or_default()).await
    }

    /// [`parse_authorization`](Self::parse_authorization) of a query the
    /// app kept (a consent form's hidden field, checked again on POST):
    /// answer its refusal, denial or completion with the form's request,
    /// which has the same origin.
    pub async fn parse_authorization_query(
        &self,
        env: &Env,
        query: &str,
    ) -> crate::Result<Result<(AuthorizationRequest, Client), AuthorizeError>> {
        let client = match requested_client_id(query) {
            Some(id) => match self.find_client(env, &id).await? {
                Ok(found) => found.map(|stored| stored.client),
                // The document failed: a local error (no redirect URI of it can be trusted).
                Err(refused) => {
                    let refused = OAuthError::new(ErrorCode::InvalidRequest, refused.to_string());
                    return Ok(Err(AuthorizeError::Local(refused)));
                }
            },
            None => None,
        };
        let config = AuthorizeConfig { resource: self.resource.clone() };
        Ok(parse_authorization_request(query, client.as_ref(), &config)
            .map(|request| (request, client.expect("a parsed request has its client"))))
    }

    /// The response to a refused authorization request: a redirect to the
    /// client, or (for a local error) a 400 page.
    pub fn refusal(&self, req: &Request, error: &AuthorizeError) -> worker::Result<Response> {
        match error.location(&origin(req)?) {
            Some(location) => redirect(&location),
            None => Response::error(format!("Authorization request refused: {}", error.error().description), 400),
        }
    }

    /// Completes an authorization the user approved; answers the redirect
    /// to the client (`code`, `state`, `iss`).
    pub async fn complete_authorization<P: Serialize>(
        &self,
        req: &Request,
        env: &Env,
        request: &AuthorizationRequest,
        approval: Approval<P>,
    ) -> crate::Result<Response> {
        // A request built or changed by the app still cannot name another
        // resource than the pinned one.
        if let (Some(pinned), Some(asked)) = (&self.resource, &request.resource) {
            if !same_resource(pinned, asked) {
                return Err(crate::Error::BadRequest(format!("resource {asked} is not this server's")));
            }
        }
        let grant_id = new_grant_id(&approval.user_id).map_err(|e| crate::Error::msg(e.to_string()))?;
        let grant = NewGrant {
            grant_id: grant_id.clone(),
            user_id: approval.user_id,
            client_id: request.client_id.clone(),
            scope: approval.scope,
            metadata: approval.metadata,
            props: serde_json::to_value(&approval.props)?,
            // A request naming no resource gets the protected prefix (when
            // there is one), so that no token is good everywhere.
            resource: request.resource.clone().or_else(|| self.default_resource(req)),
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge.clone(),
            now_ms: self.now_ms(),
            code_ttl_ms: self.code_ttl.as_millis() as i64,
        };
        let code = self
            .grant_store(env, &grant_id)?
            .create_grant(grant)
            .await?
            .map_err(|e| crate::Error::msg(e.to_string()))?;
        Ok(redirect(&code_redirect(&request.redirect_uri, &code, request.state.as_deref(), &origin(req)?))?)
    }

    /// The audience of a grant whose request named no resource: the pinned
    /// resource, else the origin and the protected prefix, when the provider
    /// protects exactly one.
    fn default_resource(&self, req: &Request) -> Option<String> {
        if let Some(pinned) = &self.resource {
            return Some(pinned.clone());
        }
        match self.protected.as_slice() {
            [prefix] => Some(format!("{}{prefix}", origin(req).ok()?)),
            _ => None,
        }
    }

    /// The redirect that tells the client the user said no (`access_denied`).
    pub fn deny(&self, req: &Request, request: &AuthorizationRequest) -> worker::Result<Response> {
        let denied = OAuthError::new(ErrorCode::AccessDenied, "The user denied the request");
        redirect(&error_redirect(&request.redirect_uri, &denied, request.state.as_deref(), &origin(req)?))
    }
}

fn redirect(location: &str) -> worker::Result<Response> {
    let response = Response::empty()?.with_status(302);
    response.headers().set("location", location)?;
    response.headers().set("cache-control", "no-store")?;
    Ok(response)
}
