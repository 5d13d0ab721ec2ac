// The official MCP conformance suite (npm @modelcontextprotocol/conformance,
// version pinned in package.json) against the conformance fixture agent,
// served by `wrangler dev`: every server scenario of the active and pending
// suites for spec 2025-11-25, with no failures, no warnings and no
// expected-failures file.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve("@modelcontextprotocol/conformance/package.json")), "dist/index.js");
const url = new URL("/conformance/mcp", inject("baseUrl")).href;
const out = mkdtempSync(join(tmpdir(), "mcp-conformance-"));

afterAll(() => rmSync(out, { recursive: true, force: true }));

async function conformance(...args) {
  try {
    return await run(process.execPath, [cli, ...args], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    return { stdout: e.stdout ?? "", stderr: e.stderr ?? String(e), code: e.code };
  }
}

function scenariosFor(listing, version) {
  const server = listing.split("Client scenarios")[0];
  return [...server.matchAll(/^\s+- ([a-z0-9-]+) \[([^\]]*)\]/gm)]
    .filter(([, , versions]) => versions.split(",").includes(version))
    .map(([, name]) => name);
}

describe("official MCP conformance suite", () => {
  it("passes every server scenario for 2025-11-25 (active and pending) without failures or warnings", async () => {
    const expected = scenariosFor((await conformance("list")).stdout, "2025-11-25");
    expect(expected.length).toBeGreaterThanOrEqual(30);

    const result = await conformance("server", "--url", url, "--suite", "all", "--spec-version", "2025-11-25", "-o", out);
    expect(result.stdout).toContain("=== SUMMARY ===");

    const ran = new Map();
    for (const dir of readdirSync(out)) {
      const checks = JSON.parse(readFileSync(join(out, dir, "checks.json"), "utf8"));
      const scenario = expected.find((name) => dir.startsWith(`server-${name}-`));
      ran.set(scenario ?? dir, checks);
    }
    expect([...ran.keys()].sort()).toEqual([...expected].sort());
    const problems = [...ran].flatMap(([scenario, checks]) =>
      checks
        .filter((c) => c.status === "FAILURE" || c.status === "WARNING")
        .map((c) => `${scenario}: ${c.status} ${c.id} ${c.errorMessage ?? ""}`),
    );
    expect(problems).toEqual([]);
    expect(result.stdout).toMatch(/Total: \d+ passed, 0 failed/);
  }, 180_000);
});
