// A React page using the official `agents/react` hook against the Rust test
// agents. Bundled by esbuild in the browser test; configured by window.AGENT_TEST.
import { useAgent } from "agents/react";
import { useState } from "react";
import { createRoot } from "react-dom/client";

function App({ host, name }) {
  const [state, setState] = useState(null);
  const [result, setResult] = useState("");
  const [chunks, setChunks] = useState([]);
  const [fetched, setFetched] = useState("");
  const agent = useAgent({ agent: "TestStateAgent", name, host, protocol: "ws", onStateUpdate: (s) => setState(s) });
  const callable = useAgent({ agent: "TestCallableAgent", name, host, protocol: "ws" });

  const increment = () => agent.setState({ ...state, count: (state?.count ?? 0) + 1 });
  const add = async () => setResult(String(await callable.call("add", [20, 22])));
  const stream = async () => {
    const final = await callable.call("streamNumbers", [3], {
      stream: { onChunk: (chunk) => setChunks((previous) => [...previous, chunk]) },
    });
    setChunks((previous) => [...previous, `final:${final}`]);
  };
  const fetchState = async () => {
    const response = await fetch(`http://${host}/agents/test-state-agent/${name}/state`);
    setFetched(JSON.stringify(await response.json()));
  };

  return (
    <main>
      <p id="count">{state ? String(state.count) : "none"}</p>
      <button id="inc" onClick={increment}>increment</button>
      <button id="add" onClick={add}>add</button>
      <p id="result">{result}</p>
      <button id="stream" onClick={stream}>stream</button>
      <p id="chunks">{chunks.join(",")}</p>
      <button id="fetch" onClick={fetchState}>fetch</button>
      <p id="fetched">{fetched}</p>
    </main>
  );
}

createRoot(document.getElementById("root")).render(<App {...window.AGENT_TEST} />);
