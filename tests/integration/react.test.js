// `agents/react` (useAgent) in headless Debian Chromium, driven by
// playwright-core, against the Rust agents served by `wrangler dev`.
import { AgentClient } from "agents/client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { bundlePage, launchChromium, servePage } from "./browser.js";

const host = new URL(inject("baseUrl")).host;
let browser;
let pageServer;
let pageOrigin;

beforeAll(async () => {
  pageServer = await servePage(await bundlePage("app.jsx"), (params) => ({ host, name: params.get("name") }));
  pageOrigin = pageServer.origin;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  pageServer?.close();
});

async function openApp(name) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${pageOrigin}/?name=${encodeURIComponent(name)}`);
  return { page, errors };
}

describe("useAgent in Chromium", () => {
  it("shows the agent's state and keeps it in sync both ways", async () => {
    const name = `react-${crypto.randomUUID()}`;
    const { page, errors } = await openApp(name);
    await page.waitForFunction(() => document.getElementById("count")?.textContent === "0");

    const other = new AgentClient({ agent: "TestStateAgent", name, host });
    const seen = [];
    other.options.onStateUpdate = (state) => seen.push(state.count);
    await other.ready;
    other.setState({ count: 7, items: [], lastUpdated: null });
    await page.waitForFunction(() => document.getElementById("count")?.textContent === "7");

    await page.click("#inc");
    await expect.poll(() => seen.at(-1)).toBe(8);
    expect(await page.textContent("#count")).toBe("8");
    other.close();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("calls methods, streams, and fetches over HTTP with CORS", async () => {
    const name = `react-${crypto.randomUUID()}`;
    const { page, errors } = await openApp(name);
    await page.waitForFunction(() => document.getElementById("count")?.textContent === "0");
    await page.click("#add");
    await page.waitForFunction(() => document.getElementById("result")?.textContent === "42");
    await page.click("#stream");
    await page.waitForFunction(() => document.getElementById("chunks")?.textContent === "0,1,2,final:3");
    await page.click("#fetch");
    await page.waitForFunction(() => document.getElementById("fetched")?.textContent !== "");
    expect(JSON.parse(await page.textContent("#fetched"))).toEqual({ state: { count: 0, items: [], lastUpdated: null } });
    expect(errors).toEqual([]);
    await page.close();
  });
});
