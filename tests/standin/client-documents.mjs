// A local stand-in for the web servers of clients that identify themselves
// by a client ID metadata document (their client_id is the document's URL).
// Each path is a document, good or bad in one way:
//   /good.json, /cached.json    good public clients (redirect http://localhost/callback)
//   /no-store.json              good, but `Cache-Control: no-store`
//   /other-id.json              its client_id is not its URL
//   /large.json, /large-chunked.json  over 5 KiB (with Content-Length; streamed without)
//   /secret.json                token_endpoint_auth_method client_secret_basic
//   /javascript.json            a javascript: redirect URI
//   /redirect.json              302 to /good.json
//   /not-json.json              an HTML page
//   /slow.json                  answers after 6 s (beyond the server's 5 s)
//   anything else               404
//   GET /fetches                how often each path was fetched, and the last request's headers
import { createServer } from "node:http";

export function startClientDocuments(port) {
  const base = `http://127.0.0.1:${port}`;
  const fetches = {};
  const headers = {};
  const timers = new Set();
  const doc = (path, extra = {}) => ({
    client_id: `${base}${path}`,
    client_name: "Document Client",
    redirect_uris: ["http://localhost/callback"],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
    ...extra,
  });
  const send = (res, status, body, extraHeaders = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...extraHeaders });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url, base).pathname;
    if (path === "/fetches") return send(res, 200, { fetches, headers });
    fetches[path] = (fetches[path] ?? 0) + 1;
    headers[path] = { accept: req.headers.accept ?? null, cookie: req.headers.cookie ?? null, authorization: req.headers.authorization ?? null };
    switch (path) {
      case "/good.json":
      case "/cached.json":
        return send(res, 200, doc(path));
      case "/no-store.json":
        return send(res, 200, doc(path), { "cache-control": "no-store" });
      case "/other-id.json":
        return send(res, 200, doc(path, { client_id: `${base}/good.json` }));
      case "/large.json":
        return send(res, 200, doc(path, { padding: "x".repeat(6000) }));
      case "/large-chunked.json": {
        // No Content-Length: the server must count while it reads.
        res.writeHead(200, { "content-type": "application/json" });
        const body = JSON.stringify(doc(path, { padding: "x".repeat(20000) }));
        for (let i = 0; i < body.length; i += 1000) res.write(body.slice(i, i + 1000));
        return res.end();
      }
      case "/secret.json":
        return send(res, 200, doc(path, { token_endpoint_auth_method: "client_secret_basic" }));
      case "/javascript.json":
        return send(res, 200, doc(path, { redirect_uris: ["javascript:alert(1)"] }));
      case "/redirect.json":
        res.writeHead(302, { location: `${base}/good.json` });
        return res.end();
      case "/not-json.json":
        res.writeHead(200, { "content-type": "text/html" });
        return res.end("<html><body>Sign in to continue</body></html>");
      case "/slow.json": {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send(res, 200, doc(path));
        }, 6000);
        timers.add(timer);
        return;
      }
      default:
        return send(res, 404, { error: "not found" });
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () =>
      resolve({
        stop: () =>
          new Promise((r) => {
            for (const timer of timers) clearTimeout(timer);
            server.closeAllConnections();
            server.close(r);
          }),
      }),
    );
  });
}
