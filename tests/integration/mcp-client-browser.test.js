// The official `useAgent` hook (agents/react) in headless Debian Chromium
// shows an agent's MCP servers as they change (`onMcpUpdate`): the
// McpClientProbe fixture, served by `wrangler dev`, adds the fixture's own
// open MCP server (`/mcp`) and removes it, driven from Node by AgentClient.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { bundlePage, launchChromium, servePage } from "./browser.js";
import { clientsFor, unique } from "./clients.js";

const base = inject("baseUrl");
const host = new URL(base).host;
const client = clientsFor(host);
let browser;
let pageServer;

beforeAll(async () => {
  pageServer = await servePage(await bundlePage("mcp-app.jsx"), (params) => ({ host, name: params.get("name") }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  pageServer?.close();
});

const text = (page, selector) => page.textContent(selector);

describe("useAgent's onMcpUpdate in Chromium", () => {
  it("shows a server being added, ready with its tools, then removed", async () => {
    const name = unique("mcp-browser");
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${pageServer.origin}/?name=${encodeURIComponent(name)}`);
    // The frame sent on connect: no servers yet.
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "no servers");

    const agent = client({ agent: "McpClientProbe", name });
    await agent.ready;
    await agent.call("allowLoopback", [true]);
    const added = await agent.call("addServer", ["Demo", `${base}/mcp`]);
    expect(added.state).toBe("ready");
    await page.waitForFunction(() => document.querySelector('#servers li[data-id="demo"]')?.dataset.state === "ready");
    expect(await text(page, "#servers")).toBe("Demo: ready");
    expect(await text(page, "#tools")).toBe("demo/add");

    expect(await agent.call("removeServer", ["demo"])).toBe(true);
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "no servers");
    expect(await text(page, "#tools")).toBe("");
    expect(errors).toEqual([]);
    await page.close();
  });
});
