#!/usr/bin/env node
// `npm run conformance:mcp-client`: the MCP conformance suite's client
// scenarios against the agent's MCP client. Builds the fixture (unless
// AGENTS_SKIP_BUILD=1), starts `wrangler dev` of it on free loopback ports,
// runs every client scenario, prints the suite's summary of each and exits
// non-zero when a scenario fails that tests/conformance/mcp-client-expected-failures.txt
// does not list (or one listed there passes: the list is stale).
import { execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { startWrangler } from "../bench/lib/server.mjs";
import { clientScenarios, expectedFailures, runScenario } from "../tests/conformance/lib/client-scenarios.mjs";

const root = new URL("../", import.meta.url).pathname;

/** A loopback port nothing listens on now. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

if (process.env.AGENTS_SKIP_BUILD !== "1") execFileSync("bash", ["scripts/build.sh", "tests/fixture"], { cwd: root, stdio: "inherit" });
const port = await freePort();
const inspectorPort = await freePort();
const server = await startWrangler({
  cwd: `${root}tests/fixture`,
  port,
  inspectorPort,
  vars: { MCP_CLIENT_TOKEN_KEY: "conformance-only-token-key-0123456789abcdef" },
});
const expected = expectedFailures();
const wrong = [];
try {
  for (const scenario of clientScenarios()) {
    const { passed, summary } = await runScenario(scenario, server.url);
    console.log(`\n== ${scenario}: ${passed ? "passed" : "failed"}${expected.has(scenario) ? " (expected to fail)" : ""}\n${summary}`);
    if (passed === expected.has(scenario)) wrong.push(scenario);
  }
} finally {
  server.stop();
}
if (wrong.length) {
  console.log(`\nNot as expected (fix, or update the expected-failures file): ${wrong.join(", ")}`);
  process.exit(1);
}
console.log("\nEvery scenario as expected.");
