#!/usr/bin/env node
// The client the MCP conformance suite tests (`conformance client --command
// "node tests/conformance/mcp-client.mjs"`): the agent's own MCP client,
// `ctx.mcp_client()` of the fixture agent `McpClientProbe`, running in
// workerd (`wrangler dev` of tests/fixture, at AGENTS_CONFORMANCE_AGENT_URL).
// This process only drives it over the official `agents` client: it lets the
// agent reach loopback servers, adds the scenario's server (the URL the
// suite appends as the last argument), then does what the scenario
// (MCP_CONFORMANCE_SCENARIO) asks through the agent's callables. Exit 0 when
// the agent did it, 1 (with the reason on stderr) when not.
import { AgentClient } from "agents/client";

const SERVER_ID = "conformance";
/** The client ID metadata document the suite's CIMD scenario expects. */
const CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json";
/** Bound on one callable (the suite gives a scenario 30 s). */
const CALL_TIMEOUT_MS = 25_000;

const serverUrl = process.argv.at(-1);
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? "";
const agentUrl = process.env.AGENTS_CONFORMANCE_AGENT_URL;

const log = (...parts) => console.log(`[${scenario}]`, ...parts);

function fail(message) {
  console.error(`[${scenario}] ${message}`);
  process.exit(1);
}

if (!agentUrl) fail("AGENTS_CONFORMANCE_AGENT_URL (the fixture worker's URL) is not set");
if (!/^https?:\/\//.test(serverUrl ?? "")) fail(`the last argument is not a server URL: ${serverUrl}`);

const name = `conformance-${scenario.replace(/[^a-z0-9]+/gi, "-")}-${crypto.randomUUID()}`;
const agent = new AgentClient({ agent: "McpClientProbe", name, host: new URL(agentUrl).host, defaultCallTimeout: CALL_TIMEOUT_MS });

/** The latest `cf_agent_mcp_servers` frame's `mcp` (what `useAgent`'s `onMcpUpdate` gets). */
let mcp = null;
agent.addEventListener("message", (event) => {
  try {
    const frame = JSON.parse(event.data);
    if (frame.type === "cf_agent_mcp_servers") mcp = frame.mcp;
  } catch {
    // not a frame of ours
  }
});

const call = async (method, ...args) => {
  const result = await agent.call(method, args);
  log(method, String(JSON.stringify(result)).slice(0, 500));
  return result;
};

const textOf = (result) => (result?.content ?? []).map((c) => c.text ?? "").join("");

/** Calls tool `tool` (after listing the tools, as a client would) and returns its text. */
async function callListedTool(tool, args = {}) {
  const tools = await call("listTools", SERVER_ID);
  if (!tools.some((t) => t.name === tool)) fail(`the server's tools do not include ${tool}: ${tools.map((t) => t.name)}`);
  const result = await call("callTool", SERVER_ID, tool, args);
  if (result.isError) fail(`${tool} answered an error: ${textOf(result)}`);
  return textOf(result);
}

/**
 * An OAuth-protected server: the agent answers `authenticating` with the
 * authorization URL; a user would open it. The conformance authorization
 * server redirects at once (no consent form), so follow its redirects by hand
 * until one reaches the agent's callback, which exchanges the code. Then the
 * server must become ready.
 */
async function authorize(status) {
  const authUrl = status.authUrl ?? mcp?.servers?.[SERVER_ID]?.auth_url;
  if (!authUrl) fail(`the server is ${status.state} and the agent gave no authorization URL (${status.error ?? "no error"})`);
  log("authorizing at", authUrl);
  let url = new URL(authUrl);
  for (let hop = 0; hop < 5; hop++) {
    const answer = await fetch(url, { redirect: "manual" });
    await answer.body?.cancel();
    const location = answer.headers.get("location");
    log("hop", hop, url.origin + url.pathname, answer.status);
    if (!location) break;
    url = new URL(location, url);
    if (url.origin === new URL(agentUrl).origin) {
      const done = await fetch(url);
      log("callback answered", done.status, (await done.text()).slice(0, 200));
      break;
    }
  }
  for (let i = 0; i < 50; i++) {
    const server = (await call("servers")).find((s) => s.id === SERVER_ID);
    if (server?.state === "ready") return server;
    if (server?.state === "failed") fail(`the server failed after authorization: ${server.error}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  fail("the server did not become ready after authorization");
}

async function main() {
  await agent.ready;
  await call("allowLoopback", true);
  // How the agent is known to an authorization server: the scenario's
  // pre-registered client when it gives one, else the client ID metadata
  // document the suite's servers expect (used where CIMD is offered).
  const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? "{}");
  const login = context.client_id
    ? { clientId: context.client_id, clientSecret: context.client_secret ?? null }
    : { clientMetadataUrl: CLIENT_METADATA_URL };
  let status = await call("addServerWithLogin", SERVER_ID, serverUrl, new URL(agentUrl).origin, login);
  if (status.state === "authenticating") status = await authorize(status);
  if (status.state !== "ready") fail(`the server is ${status.state}: ${status.error}`);

  if (scenario === "initialize") {
    // The handshake is the scenario: initialize, notifications/initialized.
  } else if (scenario === "tools_call") {
    const text = await callListedTool("add_numbers", { a: 5, b: 3 });
    if (!text.includes("8")) fail(`add_numbers answered ${JSON.stringify(text)}`);
  } else if (scenario === "sse-retry") {
    // The server ends the call's stream after its priming event; the agent
    // must reconnect with GET and Last-Event-ID after `retry` ms.
    const text = await callListedTool("test_reconnection");
    if (!/success/i.test(text)) fail(`test_reconnection answered ${JSON.stringify(text)}`);
  } else if (scenario === "elicitation-sep1034-client-defaults") {
    // The server asks for a form during the call; the fixture's elicitation
    // hook accepts with the schema's defaults.
    const text = await callListedTool("test_client_elicitation_defaults");
    if (!text.startsWith("Elicitation completed")) fail(`the elicitation did not complete: ${JSON.stringify(text)}`);
  } else if (scenario === "auth/scope-step-up") {
    // Listing needs the first login's scope; a call needs more. The server
    // answers the call 403 insufficient_scope, the agent starts a second
    // login for both scopes (the server is `authenticating`), and after that
    // login the call goes through.
    const [tool] = await call("listTools", SERVER_ID);
    if (!tool) fail("the server lists no tool");
    const refused = await agent.call("callTool", [SERVER_ID, tool.name, {}]).then(() => null, (e) => e);
    if (!refused) fail("the call went through with the first login's scope");
    log("the call was refused:", String(refused?.message ?? refused));
    const server = (await call("servers")).find((s) => s.id === SERVER_ID);
    if (server?.state !== "authenticating") fail(`after the 403 the server is ${server?.state}, not authenticating`);
    await authorize(server);
    await call("callTool", SERVER_ID, tool.name, {});
  } else if (scenario.startsWith("auth/")) {
    // Authorized above: one authenticated request beyond initialize.
    await call("listTools", SERVER_ID);
  } else {
    fail(`no steps for scenario ${JSON.stringify(scenario)}`);
  }
}

try {
  await main();
  // Ends the session, as a client closing would: the streams the agent holds
  // open (its standalone GET) close, so the scenario's server can stop.
  await agent.call("removeServer", [SERVER_ID]).catch((e) => log("removeServer failed:", String(e)));
  log("done");
  agent.close();
  process.exit(0);
} catch (error) {
  fail(error?.stack ?? String(error));
}
