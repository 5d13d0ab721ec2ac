//! The client's rules for the legacy HTTP+SSE transport (MCP 2024-11-05),
//! pure: the `endpoint` event of the GET stream names where messages are
//! POSTed, which must be on the server's own origin; and when `auto` falls
//! back from Streamable HTTP to it. (The runtime side is still to come.)

use worker::Url;

/// Where the client POSTs its messages, from the `endpoint` event's data
/// (a URL relative to the SSE URL, or absolute): refused unless it has the
/// SSE URL's origin (scheme, host and port), so a server cannot make the
/// agent send its session to a host the URL check never saw.
pub fn endpoint_url(sse_url: &Url, data: &str) -> Result<Url, String> {
    let data = data.trim();
    if data.is_empty() {
        return Err("the endpoint event names no URL".into());
    }
    let url = sse_url.join(data).map_err(|e| format!("the endpoint event's URL {data:?} is not a URL: {e}"))?;
    if url.origin() != sse_url.origin() {
        return Err(format!("the endpoint event's URL {url} is not on the server's origin"));
    }
    Ok(url)
}

/// Whether `auto` tries the legacy SSE transport after Streamable HTTP
/// answered the `initialize` POST with `status`: 404, 405 and 501 (no
/// such endpoint, GET only, not implemented), the statuses on which the TS
/// SDK's `auto` falls back. Not 401/403 (a login is wanted, whatever the
/// transport), nor another failure of a server that does speak it.
pub fn falls_back_to_sse(status: u16) -> bool {
    matches!(status, 404 | 405 | 501)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_must_be_on_the_servers_origin() {
        let sse = Url::parse("https://mcp.example.com/sse").unwrap();
        assert_eq!(
            endpoint_url(&sse, "/messages?sessionId=abc\n").unwrap().as_str(),
            "https://mcp.example.com/messages?sessionId=abc"
        );
        assert_eq!(
            endpoint_url(&sse, "https://mcp.example.com/m?s=1").unwrap().as_str(),
            "https://mcp.example.com/m?s=1"
        );
        for bad in ["https://evil.example/m", "http://mcp.example.com/m", "https://mcp.example.com:8443/m", "//evil.example/m"] {
            assert!(endpoint_url(&sse, bad).unwrap_err().contains("origin"), "{bad}");
        }
        assert!(endpoint_url(&sse, "  ").is_err());
    }

    #[test]
    fn auto_falls_back_on_the_sdks_statuses_only() {
        assert!(falls_back_to_sse(404) && falls_back_to_sse(405) && falls_back_to_sse(501));
        for status in [200, 400, 401, 403, 406, 500] {
            assert!(!falls_back_to_sse(status), "{status}");
        }
    }
}
