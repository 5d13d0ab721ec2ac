// Runtime tests: the demo worker runs in workerd under Miniflare
// (@cloudflare/vitest-pool-workers), with real SQLite-backed Durable Objects.
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
  test: {
    include: ["tests/workers/**/*.test.js"],
    globalSetup: ["tests/setup/build.js"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
