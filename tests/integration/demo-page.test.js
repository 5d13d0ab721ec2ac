// The demo's web page (web/, served by the demo worker as static assets) in
// headless Chromium: `wrangler dev` of the demo (the root wrangler.toml) on its
// own port (AGENTS_DEMO_PORT, default 9330; inspector AGENTS_DEMO_INSPECTOR_PORT,
// default port + 1) with a fresh --persist-to directory. The demo must be
// built (`bash scripts/build.sh`, as scripts/test.sh does before this suite).
// The screenshot goes to test-artifacts/demo-page.png.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentClient } from "agents/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWrangler } from "../../bench/lib/server.mjs";
import { launchChromium, screenshot } from "./browser.js";

const port = Number(process.env.AGENTS_DEMO_PORT ?? 9330);
const inspectorPort = Number(process.env.AGENTS_DEMO_INSPECTOR_PORT ?? port + 1);
const root = new URL("../..", import.meta.url).pathname;

let server;
let browser;
let persistTo;

beforeAll(async () => {
  persistTo = mkdtempSync(join(tmpdir(), "agents-demo-"));
  server = await startWrangler({ cwd: root, port, inspectorPort, persistTo });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  server?.stop();
  if (persistTo) rmSync(persistTo, { recursive: true, force: true });
});

const room = () => `page-${crypto.randomUUID().slice(0, 8)}`;

describe("the demo's web page", () => {
  it("is served at / with its script and style, and the agents' routes still reach the worker", async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain("<title>workers-agents demo</title>");
    expect(html).toContain('src="/app.js"');
    const script = await fetch(`${server.url}/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect((await fetch(`${server.url}/style.css`)).headers.get("content-type")).toContain("text/css");
    // The router answers under /agents/, not the assets (which have no such file): an unknown agent is its 400.
    const unknown = await fetch(`${server.url}/agents/no-such-agent/x`);
    expect(unknown.status).toBe(400);
    // And an agent's own HTTP route: the chat room's history.
    const history = await fetch(`${server.url}/agents/chat-room/${room()}/history`);
    expect(history.status).toBe(200);
    expect(await history.json()).toEqual([]);
  });

  it("counts through useAgent, runs the chat room and the reminders, and tells whether the travel agent is there", async () => {
    const name = room();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}/?room=${name}`);

    // The counter: the synced state, changed by the `increment` callable.
    const count = page.locator("#counter .count");
    await expect.poll(() => count.textContent()).toBe("0");
    await page.click("#counter-increment");
    await expect.poll(() => count.textContent()).toBe("1");
    const counter = new AgentClient({ agent: "Counter", name, host: new URL(server.url).host });
    expect(await counter.call("get", [])).toBe(1);
    counter.close();

    // The chat room: connected, empty, then a message sent from the page is broadcast back into it.
    await expect.poll(() => page.locator("#chat-room .status").textContent()).toBe("connected");
    await expect.poll(() => page.locator("#chat-room .log").textContent()).toContain("No messages yet");
    await page.fill('#chat-room input[aria-label="your name"]', "tester");
    await page.fill('#chat-room input[aria-label="message"]', "hello from the page");
    await page.click('#chat-room button[type="submit"]');
    await expect.poll(() => page.locator("#chat-room .log li").allTextContents()).toEqual([
      expect.stringContaining("testerhello from the page"),
    ]);

    // The reminders: one scheduled for a second from now is listed, then fires into the synced state.
    await expect.poll(() => page.locator("#reminders .status").textContent()).toBe("connected");
    await page.fill('#reminders input[aria-label="reminder text"]', "page reminder");
    await page.fill('#reminders input[aria-label="seconds"]', "1");
    await page.click('#reminders button[type="submit"]');
    await expect.poll(() => page.locator("#reminders-fired").textContent(), { timeout: 10_000 }).toContain(
      "page reminder",
    );
    await expect.poll(() => page.locator("#reminders-pending").textContent()).toContain("Nothing scheduled");

    // The travel agent: a chat when the worker has it, a clear notice when it has not.
    const probe = await fetch(`${server.url}/agents/travel-agent/${name}/get-messages`);
    if (probe.ok) {
      await expect.poll(() => page.locator('#travel input[aria-label="message to the travel agent"]').count()).toBe(1);
    } else {
      await expect.poll(() => page.locator("#travel-missing").textContent()).toContain("no travel agent yet");
      expect(await page.locator("#travel-missing").textContent()).toContain(String(probe.status));
    }

    await screenshot(page, "demo-page");
    expect(errors).toEqual([]);
    await page.close();
  });
});
