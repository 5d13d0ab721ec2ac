// The tests run in Node with the official `agents` client against the worker served by `wrangler dev` (workerd).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.js"],
    globalSetup: ["test/wrangler-dev.js"],
    environment: "node",
    testTimeout: 30_000,
    // The first build compiles every dependency for wasm32 (minutes); later ones take seconds.
    hookTimeout: 900_000,
  },
});
