// Starts `wrangler dev` for the fixture worker (tests/fixture) on a loopback port for the
// integration tests, and stops it (by PID) afterwards. AGENTS_DEV_PORT
// overrides the port, AGENTS_DEV_INSPECTOR_PORT its inspector's (default
// port + 1000). The assistant's model is the OpenAI-compatible stand-in
// (tests/standin/openai.mjs) on AGENTS_DEV_AI_PORT (default 8797).
import { startWrangler } from "../../bench/lib/server.mjs";
import { API_KEY, startStandin } from "../standin/openai.mjs";

const port = Number(process.env.AGENTS_DEV_PORT ?? 8790);
const inspectorPort = Number(process.env.AGENTS_DEV_INSPECTOR_PORT ?? port + 1000);
const aiPort = Number(process.env.AGENTS_DEV_AI_PORT ?? 8797);

export default async function setup({ provide }) {
  const standin = await startStandin(aiPort);
  const vars = { AI_PROVIDER: "openai", OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: API_KEY, AI_MODEL: "stand-in",
    // The MCP client seals its OAuth tokens under this (test-only) secret.
    MCP_CLIENT_TOKEN_KEY: "integration-only-token-key-0123456789abcdef" };
  const server = await startWrangler({ cwd: new URL("../fixture", import.meta.url).pathname, port, inspectorPort, vars });
  provide("baseUrl", server.url);
  return async () => {
    server.stop();
    await standin.stop();
  };
}
