//! The HTML the login pages answer with: escaped text, never cached, never
//! framed, no script; and the redirects with their cookies.

use worker::{Headers, Response};
pub(crate) use workers_agents::html::escape;

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
