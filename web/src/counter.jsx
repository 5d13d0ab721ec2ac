// The counter example (`Counter` at /agents/counter/{name}): its count is the
// agent's synced state, changed by the `increment` callable.
import { useAgent } from "agents/react";
import { useState } from "react";
import { ConnectionStatus } from "./connection.jsx";

export function CounterPanel({ name }) {
  const [count, setCount] = useState(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState(null);
  const agent = useAgent({
    agent: "Counter",
    name,
    onStateUpdate: (state) => setCount(state.count),
    onOpen: () => setOpen(true),
    onClose: () => setOpen(false),
  });
  const increment = (by) => {
    setError(null);
    agent.call("increment", [by]).catch((e) => setError(e.message));
  };

  return (
    <section className="panel" id="counter">
      <h2>Counter</h2>
      <p className="about">
        A number every visitor shares: the agent's synced state, changed by its <code>increment</code> callable.
      </p>
      <div className="count" aria-live="polite">
        {count ?? "…"}
      </div>
      <div className="row">
        <button id="counter-increment" onClick={() => increment(1)} disabled={!open}>
          +1
        </button>
        <button className="quiet" onClick={() => increment(10)} disabled={!open}>
          +10
        </button>
        <span className="grow" />
        <ConnectionStatus open={open} />
      </div>
      {error && <p className="error">{error}</p>}
    </section>
  );
}
