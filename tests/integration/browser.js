// Shared by the browser tests: Debian's Chromium (scripts/setup-browser.sh)
// driven by playwright-core, a page bundled by esbuild and served from a
// loopback page server, and screenshots kept in test-artifacts/ (gitignored).
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { build } from "esbuild";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Where screenshots go: `test-artifacts/` at the repository's root, never committed. */
export const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;

/** Headless Chromium with nothing reaching the network but the test's own servers. */
export function launchChromium() {
  return chromium.launch({
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
}

/** The JSX `entry` (relative to tests/browser/) bundled as one script. */
export async function bundlePage(entry) {
  const output = await build({
    entryPoints: [new URL(`../browser/${entry}`, import.meta.url).pathname],
    bundle: true,
    write: false,
    format: "iife",
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  return output.outputFiles[0].text;
}

/**
 * Serves `bundle` on a loopback origin (a secure context, as the clients need
 * crypto.randomUUID) other than the worker's, so the page's fetches are
 * cross-origin. `config(searchParams)` becomes `window.AGENT_TEST`; `style`,
 * CSS text for the page.
 */
export async function servePage(bundle, config, style = "") {
  const server = createServer((req, res) => {
    const params = new URL(req.url, "http://x").searchParams;
    res.writeHead(200, { "content-type": "text/html" });
    res.end(
      `<!doctype html><html><head><meta charset="utf-8"><style>${style}</style></head><body><div id="root"></div><script>window.AGENT_TEST = ${JSON.stringify(config(params))};</script>` +
        `<script>${bundle.replaceAll("</script", "<\\/script")}</script></body></html>`,
    );
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** Saves a full-page screenshot of `page` as test-artifacts/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}
