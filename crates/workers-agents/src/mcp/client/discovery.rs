//! Where an MCP client logs in (MCP authorization 2025-11-25, also
//! 2025-06-18): the server's 401 challenge, its protected resource metadata
//! (RFC 9728), the authorization server's metadata (RFC 8414, or OpenID
//! discovery), the scope to ask for and the authorization URL. Pure.

use serde_json::Value;
use worker::Url;

pub use super::challenge::{parse_challenges, Challenge, MAX_CHALLENGE_BYTES};

/// What a server's `WWW-Authenticate: Bearer …` tells a client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BearerChallenge {
    /// Where its protected resource metadata is (`resource_metadata`).
    pub resource_metadata: Option<String>,
    /// The scopes it asks for (`scope`).
    pub scope: Option<String>,
    /// `invalid_token`, `insufficient_scope`, …
    pub error: Option<String>,
}

/// The Bearer challenge of a `WWW-Authenticate` value, if it has one.
pub fn bearer_challenge(header: &str) -> Option<BearerChallenge> {
    let challenges = parse_challenges(header)?;
    let bearer = challenges.iter().find(|c| c.scheme == "bearer")?;
    let param = |name| bearer.param(name).map(str::to_owned);
    Some(BearerChallenge {
        resource_metadata: param("resource_metadata"),
        scope: param("scope"),
        error: param("error"),
    })
}

/// The well-known protected resource metadata URLs to try for an MCP
/// server's URL when its challenge names none, in order: the one for its
/// path (`/.well-known/oauth-protected-resource/mcp`), then the root one.
pub fn resource_metadata_urls(server: &Url) -> Vec<Url> {
    well_known(server, "oauth-protected-resource", false)
}

/// The metadata URLs of an authorization server (its issuer), in the order
/// the MCP client tries them: RFC 8414 with the issuer's path inserted, then
/// OpenID discovery with the path inserted, then OpenID discovery after the
/// path. An issuer without a path has two.
pub fn authorization_server_metadata_urls(issuer: &Url) -> Vec<Url> {
    let mut urls = well_known(issuer, "oauth-authorization-server", true);
    urls.extend(well_known(issuer, "openid-configuration", true));
    let path = issuer.path().trim_end_matches('/');
    if !path.is_empty() {
        urls.push(at_path(issuer, &format!("{path}/.well-known/openid-configuration")));
    }
    urls
}

/// `url` at `path`, without its query and fragment.
fn at_path(url: &Url, path: &str) -> Url {
    let mut url = url.clone();
    url.set_path(path);
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// `origin/.well-known/{name}{path}`, then (unless `only_inserted`) the
/// root form when the path is not empty.
fn well_known(url: &Url, name: &str, only_inserted: bool) -> Vec<Url> {
    let path = url.path().trim_end_matches('/');
    // The query stays on the form with the path inserted (RFC 8414 §3.1,
    // RFC 9728 §3.1); the root form has none.
    let at = |path: &str, keep_query: bool| {
        let mut at = at_path(url, &format!("/.well-known/{name}{path}"));
        if keep_query {
            at.set_query(url.query());
        }
        at
    };
    if path.is_empty() {
        vec![at("", true)]
    } else if only_inserted {
        vec![at(path, true)]
    } else {
        vec![at(path, true), at("", false)]
    }
}

/// The resource (RFC 8707) a client asks tokens for: the metadata's
/// `resource`, which must be the server's origin with a path the server's
/// URL is at or under; without metadata, the server's URL itself. Never a
/// fragment.
pub fn resource_for(server: &Url, metadata_resource: Option<&str>) -> Result<Url, String> {
    let mut server_resource = server.clone();
    server_resource.set_fragment(None);
    let Some(named) = metadata_resource else { return Ok(server_resource) };
    let named = Url::parse(named).map_err(|_| format!("the resource metadata names {named:?}, not a URL"))?;
    let base = named.path().trim_end_matches('/');
    let covers = named.origin() == server.origin()
        && (base.is_empty() || server.path() == base || server.path().starts_with(&format!("{base}/")));
    if !covers || named.fragment().is_some() {
        return Err(format!("the resource metadata names {named}, which is not {server}"));
    }
    Ok(named)
}

/// The scope to ask for: the challenge's, else every scope the resource
/// metadata lists, else the client's own default.
pub fn scope_to_request(challenge: Option<&str>, supported: &[String], default: Option<&str>) -> Option<String> {
    challenge
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
        .or_else(|| (!supported.is_empty()).then(|| supported.join(" ")))
        .or_else(|| default.map(str::to_owned))
}

/// Every scope of `had` then those of `asked` not in it, each once (a
/// step-up login keeps what the token could already do).
pub fn union_scopes(had: Option<&str>, asked: Option<&str>) -> Option<String> {
    let mut scopes: Vec<&str> = Vec::new();
    for scope in had.into_iter().chain(asked).flat_map(str::split_whitespace) {
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    (!scopes.is_empty()).then(|| scopes.join(" "))
}

/// The parts of protected resource metadata a client uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMetadata {
    /// `resource`.
    pub resource: String,
    /// `authorization_servers` (at least one).
    pub authorization_servers: Vec<String>,
    /// `scopes_supported`.
    pub scopes_supported: Vec<String>,
}

impl ResourceMetadata {
    /// Reads the document; a missing `resource` or no authorization server is an error.
    pub fn from_json(doc: &Value) -> Result<Self, String> {
        let resource = doc["resource"].as_str().ok_or("the resource metadata has no resource")?.to_owned();
        let authorization_servers = strings(&doc["authorization_servers"]);
        if authorization_servers.is_empty() {
            return Err("the resource metadata names no authorization server".into());
        }
        Ok(ResourceMetadata { resource, authorization_servers, scopes_supported: strings(&doc["scopes_supported"]) })
    }
}

/// The parts of authorization server metadata a client uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerMetadata {
    /// `issuer`.
    pub issuer: String,
    /// `authorization_endpoint`.
    pub authorization_endpoint: Url,
    /// `token_endpoint`.
    pub token_endpoint: Url,
    /// `registration_endpoint` (dynamic client registration), if offered.
    pub registration_endpoint: Option<Url>,
    /// `revocation_endpoint`, if offered.
    pub revocation_endpoint: Option<Url>,
    /// `client_id_metadata_document_supported`.
    pub client_id_metadata_document_supported: bool,
    /// `token_endpoint_auth_methods_supported` (RFC 8414's default when absent).
    pub token_endpoint_auth_methods: Vec<String>,
}

impl ServerMetadata {
    /// Reads and checks the document fetched for `issuer`: the issuer must
    /// be the one asked for (RFC 8414 §3.3), the code flow offered, PKCE
    /// S256 listed (the MCP client refuses a server that lists no method),
    /// and every endpoint https (http only on a loopback host).
    pub fn from_json(doc: &Value, issuer: &Url) -> Result<Self, String> {
        let named = doc["issuer"].as_str().ok_or("the authorization server metadata has no issuer")?;
        let same =
            Url::parse(named).is_ok_and(|n| n.as_str().trim_end_matches('/') == issuer.as_str().trim_end_matches('/'));
        if !same {
            return Err(format!("the metadata of {issuer} names the issuer {named}"));
        }
        Self::read(doc, named)
    }

    /// Reads the metadata an MCP server without protected resource metadata
    /// serves at its own origin (MCP 2025-03-26): the issuer it names may be
    /// a path of that origin (`{origin}/oauth`), never another origin; the
    /// rest is checked as [`from_json`](Self::from_json) does.
    pub fn from_json_at_origin(doc: &Value, server: &Url) -> Result<Self, String> {
        let named = doc["issuer"].as_str().ok_or("the authorization server metadata has no issuer")?;
        if !Url::parse(named).is_ok_and(|n| n.origin() == server.origin()) {
            return Err(format!("the metadata at {} names the issuer {named}", server.origin().ascii_serialization()));
        }
        Self::read(doc, named)
    }

    fn read(doc: &Value, named: &str) -> Result<Self, String> {
        if !strings(&doc["response_types_supported"]).iter().any(|t| t == "code") {
            return Err("the authorization server does not offer the code flow".into());
        }
        if !strings(&doc["code_challenge_methods_supported"]).iter().any(|m| m == "S256") {
            return Err("the authorization server does not list PKCE S256".into());
        }
        let endpoint = |name: &str| -> Result<Option<Url>, String> {
            match doc[name].as_str() {
                None => Ok(None),
                Some(url) => checked_fetch_url(url).map(Some).map_err(|e| format!("{name}: {e}")),
            }
        };
        let required = |name: &str| endpoint(name)?.ok_or_else(|| format!("the metadata has no {name}"));
        let methods = strings(&doc["token_endpoint_auth_methods_supported"]);
        Ok(ServerMetadata {
            issuer: named.to_owned(),
            authorization_endpoint: required("authorization_endpoint")?,
            token_endpoint: required("token_endpoint")?,
            registration_endpoint: endpoint("registration_endpoint")?,
            revocation_endpoint: endpoint("revocation_endpoint")?,
            client_id_metadata_document_supported: doc["client_id_metadata_document_supported"] == true,
            token_endpoint_auth_methods: if methods.is_empty() { vec!["client_secret_basic".into()] } else { methods },
        })
    }

    /// The metadata a server without any is assumed to have (MCP
    /// 2025-03-26's fallback): `/authorize`, `/token` and `/register` at the
    /// MCP server's origin.
    pub fn fallback(server: &Url) -> Self {
        let at = |path: &str| at_path(server, path);
        ServerMetadata {
            issuer: server.origin().ascii_serialization(),
            authorization_endpoint: at("/authorize"),
            token_endpoint: at("/token"),
            registration_endpoint: Some(at("/register")),
            revocation_endpoint: None,
            client_id_metadata_document_supported: false,
            token_endpoint_auth_methods: vec!["client_secret_basic".into()],
        }
    }
}

/// What goes into an authorization URL.
#[derive(Debug, Clone)]
pub struct AuthorizationParams<'a> {
    /// The registered (or metadata document) client id.
    pub client_id: &'a str,
    /// The callback the code comes back to.
    pub redirect_uri: &'a str,
    /// The PKCE S256 challenge of the verifier the client keeps.
    pub code_challenge: &'a str,
    /// The random state the callback must bring back.
    pub state: &'a str,
    /// The scope, if any.
    pub scope: Option<&'a str>,
    /// The resource tokens are for (RFC 8707).
    pub resource: &'a Url,
}

/// The URL the person opens to log in: the endpoint with `response_type=code`,
/// the client, the redirect, PKCE S256, the state, the scope (asking for
/// consent again when it includes `offline_access`) and the resource.
pub fn authorization_url(endpoint: &Url, params: &AuthorizationParams<'_>) -> Url {
    let mut url = endpoint.clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", params.client_id)
            .append_pair("redirect_uri", params.redirect_uri)
            .append_pair("code_challenge", params.code_challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", params.state);
        if let Some(scope) = params.scope {
            query.append_pair("scope", scope);
            if scope.split(' ').any(|s| s == "offline_access") {
                query.append_pair("prompt", "consent");
            }
        }
        query.append_pair("resource", params.resource.as_str());
    }
    url
}

/// A URL the server's documents name for the client to call: https, or
/// http on a loopback host; no fragment; not a private address (the
/// server must not steer the agent's requests, its code and verifier among
/// them, into a private network).
pub fn checked_fetch_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|_| format!("{text:?} is not a URL"))?;
    if let Some(refused) = super::servers::refused_server_url(&url) {
        return Err(refused);
    }
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(format!("{url} is not https")),
    }
    if url.fragment().is_some() {
        return Err(format!("{url} has a fragment"));
    }
    Ok(url)
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn metadata_at_the_servers_origin_may_name_an_issuer_on_it() {
        let server = Url::parse("http://127.0.0.1:9000/mcp").unwrap();
        let doc = |issuer: &str| {
            serde_json::json!({
                "issuer": issuer,
                "authorization_endpoint": "http://127.0.0.1:9000/oauth/authorize",
                "token_endpoint": "http://127.0.0.1:9000/oauth/token",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
            })
        };
        let read = ServerMetadata::from_json_at_origin(&doc("http://127.0.0.1:9000/oauth"), &server).unwrap();
        assert_eq!(read.issuer, "http://127.0.0.1:9000/oauth");
        assert!(ServerMetadata::from_json_at_origin(&doc("http://127.0.0.1:9001/oauth"), &server).is_err());
        assert!(ServerMetadata::from_json_at_origin(&doc("https://evil.example"), &server).is_err());
        // Where resource metadata named the issuer, it must be that one exactly.
        let issuer = Url::parse("http://127.0.0.1:9000").unwrap();
        assert!(ServerMetadata::from_json(&doc("http://127.0.0.1:9000/oauth"), &issuer).is_err());
    }

    #[test]
    fn step_up_keeps_the_scope_it_had() {
        assert_eq!(
            union_scopes(Some("mcp:basic"), Some("mcp:basic mcp:write")).as_deref(),
            Some("mcp:basic mcp:write")
        );
        assert_eq!(union_scopes(Some("read"), Some("write")).as_deref(), Some("read write"));
        assert_eq!(union_scopes(None, Some(" write  write ")).as_deref(), Some("write"));
        assert_eq!(union_scopes(None, None), None);
    }

    use super::*;
    use serde_json::json;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn strs(urls: Vec<Url>) -> Vec<String> {
        urls.into_iter().map(String::from).collect()
    }

    #[test]
    fn reads_the_bearer_challenge_among_others() {
        let header = r#"Basic realm="x", Bearer realm="OAuth", resource_metadata="https://m.example/.well-known/oauth-protected-resource/mcp", scope="read", error="invalid_token""#;
        assert_eq!(
            bearer_challenge(header),
            Some(BearerChallenge {
                resource_metadata: Some("https://m.example/.well-known/oauth-protected-resource/mcp".into()),
                scope: Some("read".into()),
                error: Some("invalid_token".into()),
            })
        );
        assert_eq!(bearer_challenge(r#"Basic realm="x""#), None);
        assert_eq!(bearer_challenge("Bearer"), Some(BearerChallenge::default()));
    }

    #[test]
    fn resource_metadata_is_tried_for_the_path_then_the_root() {
        assert_eq!(
            strs(resource_metadata_urls(&url("https://m.example/secure/mcp?x=1#f"))),
            [
                "https://m.example/.well-known/oauth-protected-resource/secure/mcp?x=1",
                "https://m.example/.well-known/oauth-protected-resource"
            ]
        );
        assert_eq!(
            strs(resource_metadata_urls(&url("http://127.0.0.1:8790/"))),
            ["http://127.0.0.1:8790/.well-known/oauth-protected-resource"]
        );
    }

    #[test]
    fn server_metadata_urls_follow_the_clients_order() {
        assert_eq!(
            strs(authorization_server_metadata_urls(&url("https://as.example"))),
            [
                "https://as.example/.well-known/oauth-authorization-server",
                "https://as.example/.well-known/openid-configuration"
            ]
        );
        assert_eq!(
            strs(authorization_server_metadata_urls(&url("https://as.example/tenant/1/"))),
            [
                "https://as.example/.well-known/oauth-authorization-server/tenant/1",
                "https://as.example/.well-known/openid-configuration/tenant/1",
                "https://as.example/tenant/1/.well-known/openid-configuration"
            ]
        );
    }

    #[test]
    fn the_resource_must_cover_the_server() {
        let server = url("https://m.example/secure/mcp#frag");
        assert_eq!(resource_for(&server, None).unwrap().as_str(), "https://m.example/secure/mcp");
        assert_eq!(
            resource_for(&server, Some("https://m.example/secure")).unwrap().as_str(),
            "https://m.example/secure"
        );
        assert_eq!(resource_for(&server, Some("https://m.example")).unwrap().as_str(), "https://m.example/");
        for bad in
            ["https://other.example/secure/mcp", "https://m.example/sec", "https://m.example/secure/mcp#x", "nope"]
        {
            assert!(resource_for(&server, Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn scope_comes_from_the_challenge_then_the_metadata_then_the_default() {
        let supported = vec!["read".to_owned(), "write".to_owned()];
        assert_eq!(scope_to_request(Some("admin"), &supported, Some("x")).as_deref(), Some("admin"));
        assert_eq!(scope_to_request(Some(" "), &supported, None).as_deref(), Some("read write"));
        assert_eq!(scope_to_request(None, &[], Some("x")).as_deref(), Some("x"));
        assert_eq!(scope_to_request(None, &[], None), None);
    }

    #[test]
    fn resource_metadata_needs_a_resource_and_a_server() {
        let doc = json!({"resource": "https://m.example/mcp", "authorization_servers": ["https://as.example"], "scopes_supported": ["read"]});
        let meta = ResourceMetadata::from_json(&doc).unwrap();
        assert_eq!(meta.authorization_servers, ["https://as.example"]);
        assert_eq!(meta.scopes_supported, ["read"]);
        assert!(ResourceMetadata::from_json(&json!({"resource": "https://m.example/mcp"})).is_err());
        assert!(ResourceMetadata::from_json(&json!({"authorization_servers": ["https://as.example"]})).is_err());
    }

    fn server_doc() -> Value {
        json!({
            "issuer": "https://as.example",
            "authorization_endpoint": "https://as.example/authorize",
            "token_endpoint": "https://as.example/token",
            "registration_endpoint": "https://as.example/register",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "client_id_metadata_document_supported": true,
        })
    }

    #[test]
    fn server_metadata_is_checked() {
        let issuer = url("https://as.example");
        let meta = ServerMetadata::from_json(&server_doc(), &issuer).unwrap();
        assert_eq!(meta.token_endpoint.as_str(), "https://as.example/token");
        assert!(meta.client_id_metadata_document_supported);
        assert_eq!(meta.token_endpoint_auth_methods, ["client_secret_basic"]);
        let refused = |change: Value| {
            let mut doc = server_doc();
            for (k, v) in change.as_object().unwrap() {
                doc[k] = v.clone();
            }
            ServerMetadata::from_json(&doc, &issuer).unwrap_err()
        };
        assert!(refused(json!({"issuer": "https://evil.example"})).contains("names the issuer"));
        assert!(refused(json!({"code_challenge_methods_supported": ["plain"]})).contains("S256"));
        assert!(refused(json!({"code_challenge_methods_supported": null})).contains("S256"));
        assert!(refused(json!({"response_types_supported": ["token"]})).contains("code flow"));
        assert!(refused(json!({"token_endpoint": "http://as.example/token"})).contains("not https"));
        assert!(refused(json!({"token_endpoint": "https://10.0.0.1/token"})).contains("private"));
        assert!(ServerMetadata::from_json(&server_doc(), &url("https://AS.example:443/")).is_ok());
        assert!(checked_fetch_url("https://169.254.169.254/latest").is_err());
        assert!(refused(json!({"authorization_endpoint": null})).contains("no authorization_endpoint"));
        let local = json!({
            "issuer": "http://127.0.0.1:8790/", "authorization_endpoint": "http://127.0.0.1:8790/authorize",
            "token_endpoint": "http://127.0.0.1:8790/token", "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
        });
        assert!(ServerMetadata::from_json(&local, &url("http://127.0.0.1:8790")).is_ok());
        let fallback = ServerMetadata::fallback(&url("https://m.example/mcp"));
        assert_eq!(fallback.registration_endpoint.unwrap().as_str(), "https://m.example/register");
    }

    #[test]
    fn the_authorization_url_carries_everything() {
        let resource = url("https://m.example/mcp");
        let params = AuthorizationParams {
            client_id: "c 1",
            redirect_uri: "https://agent.example/agents/a/n/callback",
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            state: "s",
            scope: Some("read offline_access"),
            resource: &resource,
        };
        let url = authorization_url(&url("https://as.example/authorize?tenant=1"), &params);
        let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(get("tenant"), Some("1"));
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some("c 1"));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("prompt"), Some("consent"));
        assert_eq!(get("resource"), Some("https://m.example/mcp"));
        assert_eq!(get("scope"), Some("read offline_access"));
    }
}
