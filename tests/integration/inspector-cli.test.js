// The official MCP inspector's CLI (`npx @modelcontextprotocol/inspector
// --cli`, the README's command) against the OAuth-protected MCP server
// under `wrangler dev`, with a bearer token in a header.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { login } from "./oauth-login.js";

const base = inject("baseUrl");
const run = promisify(execFile);
const require = createRequire(import.meta.url);
const launcher = join(dirname(require.resolve("@modelcontextprotocol/inspector/package.json")), "clients/launcher/build/index.js");

function inspector(...args) {
  // HOME in a fresh folder: what the inspector stores stays out of the user's.
  const home = mkdtempSync(join(tmpdir(), "inspector-"));
  return run(process.execPath, [launcher, "--cli", ...args], { timeout: 60_000, env: { ...process.env, HOME: home } });
}

describe("MCP inspector CLI", () => {
  it("lists the tools of the protected server with a bearer token", async () => {
    for (const [user, tools] of [["admin", ["whoami", "admin_action"]], ["ada", ["whoami"]]]) {
      const token = await login(base, user);
      const { stdout } = await inspector(
        new URL("/secure/mcp", base).href, "--transport", "http", "--method", "tools/list",
        "--header", `Authorization: Bearer ${token}`,
      );
      expect(JSON.parse(stdout).tools.map((t) => t.name)).toEqual(tools);
    }
  });

  it("calls a tool that answers who the token speaks for", async () => {
    const token = await login(base, "grace");
    const { stdout } = await inspector(
      new URL("/secure/mcp", base).href, "--transport", "http", "--method", "tools/call", "--tool-name", "whoami",
      "--header", `Authorization: Bearer ${token}`,
    );
    expect(JSON.parse(stdout).content[0].text).toBe("grace");
  });

  it("is refused without a token", async () => {
    await expect(inspector(new URL("/secure/mcp", base).href, "--transport", "http", "--method", "tools/list")).rejects.toThrow();
  });
});
