//! The upstream provider's endpoints: their URLs checked, and the
//! authorization URL the person is sent to. Pure.

use worker::url::Url;

use crate::net::is_loopback;

/// `value` as the URL of an upstream endpoint named `name` (for the error):
/// `https`, or `http` on a loopback host (a local stand-in), with no user
/// name, password or fragment. The client secret goes to one of these, so
/// nothing else is accepted.
pub fn upstream_url(name: &str, value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| format!("{name} is not a URL ({e})"))?;
    let secure = match url.scheme() {
        "https" => url.host_str().is_some_and(|h| !h.is_empty()),
        "http" => is_loopback(&url),
        _ => false,
    };
    if !secure {
        return Err(format!("{name} must be an https URL (or http on a loopback host)"));
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(format!("{name} must not carry a user name, password or fragment"));
    }
    Ok(url)
}

/// An upstream authorization request (RFC 6749 §4.1.1): where the person
/// logs in, and what comes back to `redirect_uri`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamAuthorization<'a> {
    /// The upstream authorization endpoint (from [`upstream_url`]).
    pub endpoint: &'a Url,
    /// This app's client id at the upstream provider.
    pub client_id: &'a str,
    /// This app's callback (registered at the upstream provider).
    pub redirect_uri: &'a str,
    /// The upstream scope (`read:user`), empty for none.
    pub scope: &'a str,
    /// The single-use state that binds the answer to this login.
    pub state: &'a str,
}

impl UpstreamAuthorization<'_> {
    /// The URL to redirect the person to: the endpoint with its own query
    /// kept and `response_type=code`, `client_id`, `redirect_uri`, `scope`
    /// (when not empty) and `state` added.
    pub fn url(&self) -> String {
        let mut url = self.endpoint.clone();
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("response_type", "code");
            query.append_pair("client_id", self.client_id);
            query.append_pair("redirect_uri", self.redirect_uri);
            if !self.scope.is_empty() {
                query.append_pair("scope", self.scope);
            }
            query.append_pair("state", self.state);
        }
        url.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_upstream_urls() {
        for good in ["https://github.com/login/oauth/authorize", "http://127.0.0.1:8797/x", "http://localhost/x"] {
            assert!(upstream_url("X", good).is_ok(), "{good}");
        }
        for (bad, why) in [
            ("github.com/x", "is not a URL"),
            ("http://github.com/x", "must be an https URL"),
            ("ftp://github.com/x", "must be an https URL"),
            ("https://u:p@github.com/x", "user name"),
            ("https://github.com/x#f", "fragment"),
        ] {
            let error = upstream_url("GITHUB_TOKEN_URL", bad).unwrap_err();
            assert!(error.starts_with("GITHUB_TOKEN_URL ") && error.contains(why), "{bad}: {error}");
        }
    }

    #[test]
    fn builds_the_authorization_url() {
        let endpoint = upstream_url("X", "https://github.com/login/oauth/authorize?allow_signup=false").unwrap();
        let request = UpstreamAuthorization {
            endpoint: &endpoint,
            client_id: "Iv1.abc",
            redirect_uri: "https://mcp.example.com/callback",
            scope: "read:user",
            state: "s t&=",
        };
        assert_eq!(
            request.url(),
            "https://github.com/login/oauth/authorize?allow_signup=false&response_type=code&client_id=Iv1.abc\
             &redirect_uri=https%3A%2F%2Fmcp.example.com%2Fcallback&scope=read%3Auser&state=s+t%26%3D"
        );
        let bare = UpstreamAuthorization { scope: "", ..request };
        assert!(!bare.url().contains("scope="));
    }
}
