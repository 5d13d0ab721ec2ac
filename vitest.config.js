// Runtime tests: the fixture worker (tests/fixture) runs in workerd under Miniflare
// (@cloudflare/vitest-pool-workers), with real SQLite-backed Durable Objects.
// The AI models are stand-ins (the real providers are unreachable here): an
// OpenAI-compatible server on loopback (same code path, another base URL) and
// a service bound as `AI` with the Workers AI binding's `run` method. GitHub
// is a stand-in too (tests/standin/github.mjs), on AGENTS_GITHUB_PORT, and so
// are the clients' metadata documents (tests/standin/client-documents.mjs),
// on AGENTS_CIMD_PORT. The fixture's bundle runs a second time as the worker
// `fixture-unconfigured` (no AI configuration, no AI binding), bound as
// UNCONFIGURED: what an agent says when no model is configured.
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { API_KEY } from "./tests/standin/openai.mjs";
import { STANDIN_PORT } from "./tests/setup/standin.js";
import { JWT_AUDIENCE, JWT_ISSUER, JWT_JWKS, JWT_PRIVATE_KEYS } from "./tests/setup/jwt-keys.js";
import { GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET } from "./tests/standin/github.mjs";
import { GITHUB_PORT } from "./tests/setup/github.js";
import { CLIENT_DOCUMENTS_PORT } from "./tests/setup/client-documents.js";
import { MCP_PEER_PORT, MCP_SDK_PEERS_PORT, MCP_SDK_PORT } from "./tests/setup/mcp-peers.js";

const github = `http://127.0.0.1:${GITHUB_PORT}`;

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./tests/fixture/wrangler.toml" },
      miniflare: {
        bindings: {
          AI_PROVIDER: "openai",
          OPENAI_BASE_URL: `http://127.0.0.1:${STANDIN_PORT}/v1`,
          OPENAI_API_KEY: API_KEY,
          AI_MODEL: "stand-in",
          AI_IDLE_TIMEOUT_MS: "1500",
          // A test identity provider whose JWTs the secure MCP example accepts.
          JWT_ISSUER,
          JWT_AUDIENCE,
          JWT_JWKS,
          // The GitHub MCP example (tests/fixture/src/github.rs) against the GitHub stand-in.
          GITHUB_CLIENT_ID,
          GITHUB_CLIENT_SECRET,
          COOKIE_ENCRYPTION_KEY: "fixture-cookie-key-0123456789abcdef0123456789",
          GITHUB_AUTHORIZE_URL: `${github}/login/oauth/authorize`,
          GITHUB_TOKEN_URL: `${github}/login/oauth/access_token`,
          GITHUB_API_URL: github,
          // Client ID metadata documents on, fetched from the loopback stand-in
          // (tests/standin/client-documents.mjs): a loosening for tests only.
          CIMD_ALLOW_LOOPBACK: "1",
        },
        // The Workers AI binding, played by a local service with the same `run` method.
        serviceBindings: { AI: { name: "fake-workers-ai", entrypoint: "FakeAi" }, UNCONFIGURED: "fixture-unconfigured" },
        workers: [
          {
            name: "fake-workers-ai",
            modules: true,
            scriptPath: "./tests/standin/workers-ai.js",
            compatibilityDate: "2026-08-15",
          },
          {
            name: "fixture-unconfigured",
            modulesRoot: "./tests/fixture/build",
            modules: [
              { type: "ESModule", path: "./tests/fixture/build/index.js" },
              { type: "CompiledWasm", path: "./tests/fixture/build/index_bg.wasm" },
            ],
            compatibilityDate: "2026-08-15",
            durableObjects: { TravelAgent: { className: "TravelAgent", useSQLite: true } },
          },
        ],
      },
    }),
  ],
  test: {
    include: ["tests/workers/**/*.test.js"],
    // The test identity provider's private keys, for signing in the tests; where the documents stand-in listens.
    provide: {
      jwtKeys: JWT_PRIVATE_KEYS,
      clientDocuments: `http://127.0.0.1:${CLIENT_DOCUMENTS_PORT}`,
      // The MCP client tests' servers (tests/setup/mcp-peers.js).
      mcpSdkServer: `http://127.0.0.1:${MCP_SDK_PORT}`,
      mcpPeer: `http://127.0.0.1:${MCP_PEER_PORT}`,
      mcpSdkPeers: `http://127.0.0.1:${MCP_SDK_PEERS_PORT}`,
    },
    globalSetup: ["tests/setup/build.js", "tests/setup/standin.js", "tests/setup/github.js", "tests/setup/client-documents.js", "tests/setup/mcp-peers.js"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
