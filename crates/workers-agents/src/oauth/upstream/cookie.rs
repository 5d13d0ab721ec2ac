//! Cookies of the login pages: reading one from a `Cookie` header, and the
//! `Set-Cookie` of a `__Host-` cookie (Secure, `Path=/`, no `Domain`, so
//! only this origin sets or reads it; HttpOnly; `SameSite=Lax`, so it comes
//! with the top-level redirect back from the upstream provider). Pure.

/// The value of the cookie `name` in a `Cookie` header, if it is there
/// (the first, when a browser sends it twice).
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|part| {
        let (key, value) = part.trim().split_once('=')?;
        (key.trim() == name).then(|| value.trim())
    })
}

/// The `Set-Cookie` value of the `__Host-` cookie `name` (which must start
/// with `__Host-`) holding `value` for `max_age_secs`; 0 deletes it.
pub fn host_cookie(name: &str, value: &str, max_age_secs: u64) -> String {
    debug_assert!(name.starts_with("__Host-"), "a __Host- cookie");
    format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}")
}

/// Whether `value` may stand in a cookie as it is: the characters of
/// RFC 6265's `cookie-octet` this module writes (`[A-Za-z0-9._-]`), 1 to
/// 4000 of them.
pub fn is_cookie_safe(value: &str) -> bool {
    (1..=4000).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_cookie_by_name() {
        let header = "a=1; __Host-x=two=2 ; b=3; __Host-x=later";
        assert_eq!(cookie_value(header, "__Host-x"), Some("two=2"));
        assert_eq!(cookie_value(header, "a"), Some("1"));
        assert_eq!(cookie_value(header, "x"), None);
        assert_eq!(cookie_value("", "a"), None);
        assert_eq!(cookie_value("novalue; a", "a"), None);
    }

    #[test]
    fn writes_host_cookies() {
        assert_eq!(
            host_cookie("__Host-s", "v", 600),
            "__Host-s=v; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=600"
        );
        assert!(host_cookie("__Host-s", "", 0).ends_with("Max-Age=0"));
    }

    #[test]
    fn tells_safe_values() {
        assert!(is_cookie_safe("abc-_.XYZ09"));
        for bad in ["", "a b", "a;b", "a=b", "é", "a,b", "\"a\""] {
            assert!(!is_cookie_safe(bad), "{bad:?}");
        }
        assert!(!is_cookie_safe(&"a".repeat(4001)));
    }
}
