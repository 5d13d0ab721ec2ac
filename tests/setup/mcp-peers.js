// Starts the MCP servers the MCP client tests connect to: the official
// TypeScript SDK's example Streamable HTTP server (a real peer that is not
// ours, in its own Node process) on AGENTS_MCP_SDK_PORT, and the fault
// stand-in (tests/standin/mcp-peer.mjs) on AGENTS_MCP_PEER_PORT, and the
// servers built on the SDK's own transports (tests/standin/mcp-sdk-peers.mjs:
// legacy SSE, the standalone GET stream) on AGENTS_MCP_SDK_PEERS_PORT.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startMcpPeer } from "../standin/mcp-peer.mjs";
import { startSdkPeers } from "../standin/mcp-sdk-peers.mjs";

export const MCP_SDK_PORT = Number(process.env.AGENTS_MCP_SDK_PORT ?? 8800);
export const MCP_PEER_PORT = Number(process.env.AGENTS_MCP_PEER_PORT ?? 8801);
export const MCP_SDK_PEERS_PORT = Number(process.env.AGENTS_MCP_SDK_PEERS_PORT ?? 8802);

const EXAMPLE = fileURLToPath(
  new URL("../../node_modules/@modelcontextprotocol/sdk/dist/esm/examples/server/simpleStreamableHttp.js", import.meta.url),
);

async function listening(url, child) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the SDK example server exited with ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the SDK example server did not listen at ${url}`);
}

export default async function setup() {
  const peer = await startMcpPeer(MCP_PEER_PORT);
  const peers = await startSdkPeers(MCP_SDK_PEERS_PORT);
  const sdk = spawn(process.execPath, [EXAMPLE], {
    env: { ...process.env, MCP_PORT: String(MCP_SDK_PORT) },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    await listening(`http://127.0.0.1:${MCP_SDK_PORT}/mcp`, sdk);
  } catch (error) {
    sdk.kill();
    await peer.stop();
    await peers.stop();
    throw error;
  }
  return async () => {
    sdk.kill();
    await peer.stop();
    await peers.stop();
  };
}
