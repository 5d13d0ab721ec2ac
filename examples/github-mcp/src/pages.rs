//! The HTML the login pages answer with: escaped text, never cached, never
//! framed, no script; and the redirects with their cookies.

use worker::{Headers, Response};

/// `text` with HTML's special characters escaped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html_headers(cookies: &[String]) -> worker::Result<Headers> {
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    // No form-action: browsers apply it to the redirect that follows the
    // POST (to GitHub, or back to the client).
    headers.set("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")?;
    headers.set("x-frame-options", "DENY")?;
    headers.set("cache-control", "no-store")?;
    headers.set("referrer-policy", "no-referrer")?;
    for cookie in cookies {
        headers.append("set-cookie", cookie)?;
    }
    Ok(headers)
}

/// A page titled `title` around `body` (HTML, already escaped).
pub(crate) fn page(status: u16, title: &str, body: &str, cookies: &[String]) -> worker::Result<Response> {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\n\
         <style>body{{font:16px system-ui;max-width:34rem;margin:3rem auto}}button{{margin-right:.5rem}}</style></head>\n\
         <body>\n<h1>{title}</h1>\n{body}\n</body></html>\n",
        title = escape(title),
    );
    Ok(Response::ok(html)?.with_status(status).with_headers(html_headers(cookies)?))
}

/// An error page: `message` (plain text) under `title`.
pub(crate) fn error_page(status: u16, title: &str, message: &str) -> worker::Result<Response> {
    page(status, title, &format!("<p>{}</p>", escape(message)), &[])
}

/// A 302 to `location` with `cookies` set, never cached.
pub(crate) fn redirect(location: &str, cookies: &[String]) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("location", location)?;
    headers.set("cache-control", "no-store")?;
    for cookie in cookies {
        headers.append("set-cookie", cookie)?;
    }
    Ok(Response::empty()?.with_status(302).with_headers(headers))
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_html() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
