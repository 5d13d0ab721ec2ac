// `agents/react` (useAgent) in headless Debian Chromium, driven by
// playwright-core, against the Rust agents served by `wrangler dev`.
import { createServer } from "node:http";
import { AgentClient } from "agents/client";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const host = new URL(inject("baseUrl")).host;
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
let browser;
let bundle;
let pageServer;
let pageOrigin;

beforeAll(async () => {
  const output = await build({
    entryPoints: [new URL("../browser/app.jsx", import.meta.url).pathname],
    bundle: true,
    write: false,
    format: "iife",
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  bundle = output.outputFiles[0].text;
  // Served from a loopback origin (a secure context, as the client needs
  // crypto.randomUUID) other than the worker's, so fetches are cross-origin.
  pageServer = createServer((req, res) => {
    const name = new URL(req.url, "http://x").searchParams.get("name");
    const config = JSON.stringify({ host, name });
    res.writeHead(200, { "content-type": "text/html" });
    res.end(
      `<!doctype html><html><body><div id="root"></div><script>window.AGENT_TEST = ${config};</script>` +
        `<script>${bundle.replaceAll("</script", "<\\/script")}</script></body></html>`,
    );
  });
  await new Promise((resolve) => pageServer.listen(0, "127.0.0.1", resolve));
  pageOrigin = `http://127.0.0.1:${pageServer.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
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
