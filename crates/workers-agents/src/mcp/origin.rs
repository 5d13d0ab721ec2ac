//! Who may call an MCP endpoint: the `Host` and `Origin` checks that stop
//! DNS rebinding and cross-site calls from browsers, and the CORS answer for
//! the origins that are allowed. Pure: tested natively.

/// The allow-lists of one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Access {
    /// Host names (no port) the `Host` header must name; empty: any.
    /// An `Origin` on one of these hosts is allowed too.
    pub(crate) hosts: Vec<String>,
    /// Origins (`scheme://host[:port]`) allowed besides the server's own;
    /// `*` allows every origin.
    pub(crate) origins: Vec<String>,
}

/// What a browser calling from another origin is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cors {
    /// No `Origin`, or the server's own: no CORS headers are needed.
    SameOrigin,
    /// An allowed foreign origin, named in `access-control-allow-origin`.
    Origin(String),
    /// Every origin is allowed (`*` in the list).
    Any,
}

impl Access {
    /// Checks a request's `Host` and `Origin` headers; `own` is the origin
    /// of the URL the request was made to.
    pub(crate) fn check(&self, host: &str, origin: Option<&str>, own: &str) -> Result<Cors, String> {
        let name = host_name(host);
        if !self.hosts.is_empty() && !self.hosts.contains(&name) {
            return Err(format!("host {name:?} is not allowed"));
        }
        let Some(origin) = origin else {
            return Ok(Cors::SameOrigin);
        };
        let normalized = normalize_origin(origin);
        if normalized == "null" {
            // Sandboxed frames, file pages and redirects send `null`: no one to trust.
            return Err("origin \"null\" is not allowed".into());
        }
        if normalized == normalize_origin(own) {
            return Ok(Cors::SameOrigin);
        }
        if self.origins.contains(&normalized) || self.hosts.contains(&origin_host(&normalized)) {
            return Ok(Cors::Origin(origin.trim().to_owned()));
        }
        if self.origins.iter().any(|o| o == "*") {
            return Ok(Cors::Any);
        }
        Err(format!("origin {origin:?} is not allowed"))
    }
}

/// Normalizes a list entry: a host name lowercased, without port.
pub(crate) fn normalize_host(host: &str) -> String {
    host_name(host)
}

/// Normalizes an origin: trimmed, lowercased, without trailing slash.
pub(crate) fn normalize_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// The host name of a `Host` header or URL authority, lowercased, without port.
fn host_name(authority: &str) -> String {
    let authority = authority.trim().to_ascii_lowercase();
    if authority.starts_with('[') {
        return authority.split_once(']').map_or(authority.clone(), |(ip, _)| format!("{ip}]"));
    }
    authority.split(':').next().unwrap_or_default().to_owned()
}

/// The host name of an origin (`scheme://host[:port]`).
fn origin_host(origin: &str) -> String {
    let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    host_name(authority.split('/').next().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(hosts: &[&str], origins: &[&str]) -> Access {
        Access {
            hosts: hosts.iter().map(|h| normalize_host(h)).collect(),
            origins: origins.iter().map(|o| normalize_origin(o)).collect(),
        }
    }

    const OWN: &str = "https://mcp.example.com";

    #[test]
    fn by_default_only_the_own_origin_and_none_are_allowed() {
        let open = Access::default();
        assert_eq!(open.check("mcp.example.com", None, OWN), Ok(Cors::SameOrigin));
        assert_eq!(open.check("mcp.example.com", Some("https://mcp.example.com"), OWN), Ok(Cors::SameOrigin));
        assert_eq!(open.check("mcp.example.com", Some("HTTPS://MCP.example.com/"), OWN), Ok(Cors::SameOrigin));
        assert!(open.check("mcp.example.com", Some("https://evil.example.com"), OWN).is_err());
        assert!(open.check("mcp.example.com", Some("http://mcp.example.com"), OWN).is_err(), "another scheme");
        assert!(open.check("mcp.example.com", Some("https://mcp.example.com:8443"), OWN).is_err(), "another port");
        assert!(open.check("mcp.example.com", Some("null"), OWN).is_err());
    }

    #[test]
    fn allowed_origins_get_their_own_cors_answer() {
        let inspector = access(&[], &["http://localhost:6274/"]);
        assert_eq!(
            inspector.check("mcp.example.com", Some("http://localhost:6274"), OWN),
            Ok(Cors::Origin("http://localhost:6274".into()))
        );
        assert!(inspector.check("mcp.example.com", Some("http://localhost:6275"), OWN).is_err());
        let any = access(&[], &["*"]);
        assert_eq!(any.check("x", Some("https://anywhere.example"), OWN), Ok(Cors::Any));
        assert!(any.check("x", Some("null"), OWN).is_err(), "null stays refused");
    }

    #[test]
    fn checks_host_and_origin_against_the_host_list() {
        let local = access(&["localhost", "127.0.0.1", "[::1]"], &[]);
        let own = "http://localhost:8788";
        assert_eq!(local.check("localhost:8788", None, own), Ok(Cors::SameOrigin));
        assert!(local.check("127.0.0.1", Some("http://localhost:3000"), own).is_ok());
        assert!(local.check("[::1]:9000", Some("http://[::1]:9000"), own).is_ok());
        assert!(local.check("evil.example.com", None, own).is_err());
        assert!(local.check("localhost:8788", Some("http://evil.example.com"), own).is_err());
        assert!(local.check("LOCALHOST", None, own).is_ok());
        assert!(local.check("localhost.evil.com", None, own).is_err());
        // DNS rebinding: the page's origin is its own Host, neither is on the list.
        assert!(local.check("evil.example.com:8788", Some("http://evil.example.com:8788"), own).is_err());
    }
}
