// Runs the MCP conformance suite's client scenarios against the agent's MCP
// client (tests/conformance/mcp-client.mjs driving the fixture's
// McpClientProbe at `agentUrl`), one scenario at a time.
import { spawn, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const root = new URL("../../../", import.meta.url).pathname;
const suite = `${root}node_modules/@modelcontextprotocol/conformance/dist/index.js`;

/** The client scenario names the suite lists (`list --client`). */
export function clientScenarios() {
  const out = execFileSync(process.execPath, [suite, "list", "--client"], { encoding: "utf8" });
  return [...out.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
}

/** Scenario name -> reason, from tests/conformance/mcp-client-expected-failures.txt ("name: reason" lines). */
export function expectedFailures() {
  const text = readFileSync(`${root}tests/conformance/mcp-client-expected-failures.txt`, "utf8");
  return new Map(
    text
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"))
      .map((l) => [l.split(":")[0].trim(), l.slice(l.indexOf(":") + 1).trim()]),
  );
}

/** Runs one scenario; `{ passed, summary, output }` (the summary is the suite's own result lines). */
export function runScenario(scenario, agentUrl) {
  const args = [suite, "client", "--command", `${process.execPath} ${root}tests/conformance/mcp-client.mjs`, "--scenario", scenario];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, AGENTS_CONFORMANCE_AGENT_URL: agentUrl } });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => {
      const summary = output
        .split("\n")
        .filter((l) => /^(Passed:|✅|❌|⚠️|  - )/.test(l))
        .join("\n");
      resolve({ passed: code === 0, summary, output });
    });
  });
}
