// Integration tests: `wrangler dev` serves the fixture worker on loopback and the
// official `agents` npm client (AgentClient) talks to it from Node.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["tests/integration/**/*.test.js"],
    globalSetup: ["tests/integration/wrangler-dev.js"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
