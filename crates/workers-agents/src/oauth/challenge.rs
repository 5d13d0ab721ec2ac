//! The `WWW-Authenticate: Bearer …` challenge of a protected route (RFC
//! 6750 §3, RFC 9728 §5.1). Pure.

/// Why a request to a protected route is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge<'a> {
    /// No bearer token was presented (401, no `error`).
    Missing,
    /// The token is unknown, expired, revoked or for another resource (401).
    InvalidToken {
        /// Why, for the developer.
        description: &'a str,
    },
    /// The token lacks a scope the request needs (403); `scope` lists what is needed.
    InsufficientScope,
}

impl Challenge<'_> {
    /// The HTTP status of the refusal.
    pub fn status(&self) -> u16 {
        match self {
            Challenge::InsufficientScope => 403,
            _ => 401,
        }
    }
}

/// A quoted-string (RFC 9110 §5.6.4): `"` and `\` escaped, control characters dropped.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars().filter(|c| !c.is_control()) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The header value: `Bearer realm="…", resource_metadata="…"`, then
/// `error` (and `error_description`) when a token was refused, and `scope`
/// when `scope` is not empty.
pub fn bearer_challenge(realm: &str, resource_metadata: &str, scope: &[String], challenge: Challenge<'_>) -> String {
    let mut parts =
        vec![format!("realm={}", quoted(realm)), format!("resource_metadata={}", quoted(resource_metadata))];
    match challenge {
        Challenge::Missing => {}
        Challenge::InvalidToken { description } => {
            parts.push("error=\"invalid_token\"".to_owned());
            parts.push(format!("error_description={}", quoted(description)));
        }
        Challenge::InsufficientScope => parts.push("error=\"insufficient_scope\"".to_owned()),
    }
    if !scope.is_empty() {
        parts.push(format!("scope={}", quoted(&scope.join(" "))));
    }
    format!("Bearer {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRM: &str = "https://mcp.example/.well-known/oauth-protected-resource/mcp";

    #[test]
    fn challenges() {
        assert_eq!(
            bearer_challenge("OAuth", PRM, &[], Challenge::Missing),
            format!("Bearer realm=\"OAuth\", resource_metadata=\"{PRM}\"")
        );
        let invalid = Challenge::InvalidToken { description: "Invalid access token" };
        assert_eq!(invalid.status(), 401);
        assert_eq!(
            bearer_challenge("OAuth", PRM, &["read".into(), "write".into()], invalid),
            format!(
                "Bearer realm=\"OAuth\", resource_metadata=\"{PRM}\", error=\"invalid_token\", \
                 error_description=\"Invalid access token\", scope=\"read write\""
            )
        );
        assert_eq!(Challenge::InsufficientScope.status(), 403);
        assert!(bearer_challenge("OAuth", PRM, &["admin".into()], Challenge::InsufficientScope)
            .ends_with("error=\"insufficient_scope\", scope=\"admin\""));
        assert!(bearer_challenge("a\"b\\c\n", PRM, &[], Challenge::Missing).starts_with("Bearer realm=\"a\\\"b\\\\c\""));
    }
}
