//! `application/x-www-form-urlencoded` (token requests, query strings):
//! `+` is a space, `%XX` a byte, the result must be UTF-8. Pure.

/// Most parameters a form or query may have: OAuth requests have a dozen,
/// and the checks for repeats compare each with the others.
pub(crate) const MAX_FORM_PARAMS: usize = 100;

/// The name/value pairs of `text`, in order (repeats kept). `Err` for a bad
/// escape, bytes that are not UTF-8, or more than [`MAX_FORM_PARAMS`] pairs.
pub(crate) fn parse_form(text: &str) -> Result<Vec<(String, String)>, String> {
    let pairs = text.split('&').filter(|pair| !pair.is_empty());
    if pairs.clone().count() > MAX_FORM_PARAMS {
        return Err(format!("more than {MAX_FORM_PARAMS} parameters"));
    }
    pairs
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

/// One form-encoded component.
pub(crate) fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or("a bad %-escape in the form")?;
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "the form is not UTF-8".to_owned())
}

/// `text` form-encoded (for redirect query strings).
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The single value of `name` in `pairs`: `Ok(None)` when absent, `Err`
/// when it is given more than once.
pub(crate) fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, String> {
    let mut found = pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str());
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some(value), None) => Ok(Some(value)),
        (Some(_), Some(_)) => Err(given_twice(name)),
    }
}

/// `Err` naming the first parameter given more than once, but `except`
/// (which may repeat: `resource`, RFC 8707).
pub(crate) fn no_repeats(pairs: &[(String, String)], except: &str) -> Result<(), String> {
    for (i, (name, _)) in pairs.iter().enumerate() {
        if name != except && pairs[..i].iter().any(|(earlier, _)| earlier == name) {
            return Err(given_twice(name));
        }
    }
    Ok(())
}

/// Takes `name` out of a query string: its single value (if given), and
/// the query without it, the other pairs exactly as written. `Err` as
/// [`parse_form`] and [`single`] refuse.
pub(crate) fn take(query: &str, name: &str) -> Result<(Option<String>, String), String> {
    let pairs = parse_form(query)?;
    let value = single(&pairs, name)?.map(str::to_owned);
    let rest: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| decode(pair.split_once('=').map_or(*pair, |(n, _)| n)).ok().as_deref() != Some(name))
        .collect();
    Ok((value, rest.join("&")))
}

fn given_twice(name: &str) -> String {
    format!("the {name} parameter is given more than once")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_removes_one_parameter_and_keeps_the_rest_as_written() {
        let (token, rest) = take("_pk=a%20b&token=t.1%2B&x=1", "token").unwrap();
        assert_eq!(token.as_deref(), Some("t.1+"));
        assert_eq!(rest, "_pk=a%20b&x=1");
        // An encoded name is the same parameter.
        assert_eq!(take("%74oken=t&x", "token").unwrap(), (Some("t".into()), "x".into()));
        assert_eq!(take("x=1", "token").unwrap(), (None, "x=1".into()));
        assert_eq!(take("", "token").unwrap(), (None, String::new()));
        assert!(take("token=a&token=b", "token").unwrap_err().contains("more than once"));
        assert!(take("token=%zz", "token").is_err());
    }

    #[test]
    fn decodes_pairs() {
        let pairs = parse_form("a=1+2&b=%C3%A9&c&d=x%3Dy&&").unwrap();
        assert_eq!(
            pairs,
            vec![
                ("a".into(), "1 2".into()),
                ("b".into(), "é".into()),
                ("c".into(), "".into()),
                ("d".into(), "x=y".into())
            ]
        );
        assert!(parse_form("a=%zz").is_err());
        assert!(parse_form("a=%ff").is_err());
        assert!(parse_form("a=%4").is_err());
        assert_eq!(single(&pairs, "a").unwrap(), Some("1 2"));
        assert_eq!(single(&pairs, "z").unwrap(), None);
        assert!(single(&parse_form("a=1&a=2").unwrap(), "a").is_err());
        assert_eq!(no_repeats(&parse_form("r=1&a=1&r=2").unwrap(), "r"), Ok(()));
        assert_eq!(
            no_repeats(&parse_form("a=1&b=1&a=2").unwrap(), "r").unwrap_err(),
            "the a parameter is given more than once"
        );
        let many = vec!["x=1"; MAX_FORM_PARAMS + 1].join("&");
        assert!(parse_form(&many).unwrap_err().contains("parameters"));
        assert!(parse_form(&many[4..]).is_ok());
    }

    #[test]
    fn encodes_what_decode_reads() {
        let text = "a b&c=d/é?";
        assert_eq!(encode(text), "a+b%26c%3Dd%2F%C3%A9%3F");
        assert_eq!(decode(&encode(text)).unwrap(), text);
    }
}
