// A React page showing an agent's MCP servers with the official
// `agents/react` hook: what `onMcpUpdate` gives it (the agent's
// `cf_agent_mcp_servers` frames). Bundled by esbuild in the browser test;
// configured by window.AGENT_TEST.
import { useAgent } from "agents/react";
import { useState } from "react";
import { createRoot } from "react-dom/client";

function App({ host, name }) {
  const [mcp, setMcp] = useState(null);
  useAgent({ agent: "McpClientProbe", name, host, protocol: "ws", onMcpUpdate: (update) => setMcp(update) });
  if (!mcp) return <p id="status">waiting</p>;
  const servers = Object.entries(mcp.servers);
  return (
    <main>
      <p id="status">{servers.length === 0 ? "no servers" : `${servers.length} servers`}</p>
      <ul id="servers">
        {servers.map(([id, server]) => (
          <li key={id} data-id={id} data-state={server.state}>
            {server.name}: {server.state}
          </li>
        ))}
      </ul>
      <ul id="tools">
        {mcp.tools.map((tool) => (
          <li key={`${tool.serverId}/${tool.name}`}>
            {tool.serverId}/{tool.name}
          </li>
        ))}
      </ul>
    </main>
  );
}

createRoot(document.getElementById("root")).render(<App {...window.AGENT_TEST} />);
