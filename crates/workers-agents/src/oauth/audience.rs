//! Whether a token's audience (RFC 8707 resource) covers the URL it is
//! presented at. Pure.

use worker::url::Url;

/// Whether a token issued for `audience` may be used at `url`: the same
/// origin, a path equal to the audience's or under it (`/mcp` covers
/// `/mcp/x`, not `/mcpx`; a root audience covers every path), and the
/// audience's query, if it has one, equal.
pub fn audience_matches(audience: &str, url: &Url) -> bool {
    let Ok(audience) = Url::parse(audience) else { return false };
    if audience.origin() != url.origin() {
        return false;
    }
    if audience.query().is_some() && audience.query() != url.query() {
        return false;
    }
    let base = audience.path().trim_end_matches('/');
    base.is_empty() || url.path() == base || url.path().starts_with(&format!("{base}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(url: &str) -> Url {
        Url::parse(url).unwrap()
    }

    #[test]
    fn audiences_cover_their_paths_on_their_origin() {
        assert!(audience_matches("https://a.example/mcp", &at("https://a.example/mcp")));
        assert!(audience_matches("https://a.example/mcp", &at("https://a.example/mcp/messages?x=1")));
        assert!(audience_matches("https://a.example/", &at("https://a.example/anything")));
        assert!(audience_matches("https://a.example", &at("https://a.example/anything")));
        assert!(!audience_matches("https://a.example/mcp", &at("https://a.example/mcpx")));
        assert!(!audience_matches("https://a.example/mcp", &at("https://a.example/other")));
        assert!(!audience_matches("https://a.example/mcp", &at("https://b.example/mcp")));
        assert!(!audience_matches("https://a.example/mcp", &at("http://a.example/mcp")));
        assert!(!audience_matches("https://a.example/mcp", &at("https://a.example:8443/mcp")));
        assert!(!audience_matches("https://a.example/mcp?t=1", &at("https://a.example/mcp?t=2")));
        assert!(!audience_matches("not a url", &at("https://a.example/mcp")));
    }
}
