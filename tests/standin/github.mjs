// A local stand-in for GitHub's OAuth app endpoints and REST API (the real
// one is unreachable here, and needs a person). It speaks GitHub's formats:
//   GET  /login/oauth/authorize?client_id&redirect_uri&state[&login]
//        the person "logs in" at once: 302 to redirect_uri with code and state
//        (`login` picks the user; GitHub's own parameter suggests an account)
//   POST /login/oauth/access_token (form: client_id, client_secret, code, redirect_uri)
//        JSON with Accept: application/json, else a form; GitHub's errors with
//        status 200 (incorrect_client_credentials, bad_verification_code,
//        redirect_uri_mismatch); the code "server-error" gets a 500 page
//   GET  /user  the token's user {login, id, name, email}; 401 "Bad credentials"
//        for another token, 403 without a User-Agent (as GitHub answers)
//   GET  /requests  what the stand-in was sent (headers without secrets' values)
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";

export const GITHUB_CLIENT_ID = "Iv1.standin-client";
export const GITHUB_CLIENT_SECRET = "standin-client-secret";
export const USERS = {
  "octo-ada": { login: "octo-ada", id: 4242, name: "Ada Octo", email: "ada@example.com" },
  "octo-bob": { login: "octo-bob", id: 4343, name: null, email: null },
};

const json = (res, status, body) => {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify(body));
};

export function startGithubStandin(port) {
  const codes = new Map(); // code -> { login, redirectUri, clientId }
  const tokens = new Map(); // token -> login
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    let body = "";
    for await (const part of req) body += part;
    requests.push({
      method: req.method,
      path: url.pathname,
      accept: req.headers.accept ?? null,
      userAgent: req.headers["user-agent"] ?? null,
      contentType: req.headers["content-type"] ?? null,
      authorization: req.headers.authorization ? req.headers.authorization.split(" ")[0] : null,
    });
    if (req.method === "GET" && url.pathname === "/requests") return json(res, 200, requests);

    if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
      const q = url.searchParams;
      const redirectUri = q.get("redirect_uri");
      if (q.get("client_id") !== GITHUB_CLIENT_ID || !redirectUri) {
        res.statusCode = 404;
        return res.end("Not Found (unknown OAuth app)");
      }
      const login = q.get("login") ?? "octo-ada";
      const code = randomBytes(10).toString("hex");
      codes.set(code, { login, redirectUri, clientId: q.get("client_id") });
      const back = new URL(redirectUri);
      back.searchParams.set("code", code);
      back.searchParams.set("state", q.get("state") ?? "");
      res.statusCode = 302;
      res.setHeader("location", back.href);
      return res.end();
    }

    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
      const form = new URLSearchParams(body);
      const answer = (fields) => {
        if ((req.headers.accept ?? "").includes("application/json")) return json(res, 200, fields);
        res.setHeader("content-type", "application/x-www-form-urlencoded; charset=utf-8");
        return res.end(new URLSearchParams(fields).toString());
      };
      if (form.get("code") === "server-error") {
        res.statusCode = 500;
        return res.end("<html><body>Whoa there!</body></html>");
      }
      if (form.get("client_id") !== GITHUB_CLIENT_ID || form.get("client_secret") !== GITHUB_CLIENT_SECRET) {
        return answer({ error: "incorrect_client_credentials", error_description: "The client_id and/or client_secret passed are incorrect." });
      }
      const grant = codes.get(form.get("code"));
      codes.delete(form.get("code")); // a code is good once
      if (!grant) {
        return answer({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." });
      }
      if (form.get("redirect_uri") && form.get("redirect_uri") !== grant.redirectUri) {
        return answer({ error: "redirect_uri_mismatch", error_description: "The redirect_uri MUST match the registered callback URL for this application." });
      }
      const token = `gho_${randomBytes(16).toString("hex")}`;
      tokens.set(token, grant.login);
      return answer({ access_token: token, token_type: "bearer", scope: "read:user" });
    }

    if (req.method === "GET" && url.pathname === "/user") {
      if (!req.headers["user-agent"]) {
        return json(res, 403, { message: "Request forbidden by administrative rules. Please make sure your request has a User-Agent header." });
      }
      const [scheme, token] = (req.headers.authorization ?? "").split(" ");
      const login = /^(bearer|token)$/i.test(scheme ?? "") ? tokens.get(token) : undefined;
      if (!login) return json(res, 401, { message: "Bad credentials" });
      return json(res, 200, { ...(USERS[login] ?? { login, id: 1, name: null, email: null }), type: "User" });
    }

    return json(res, 404, { message: "Not Found" });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve({ stop: () => new Promise((r) => server.close(r)) }));
  });
}
