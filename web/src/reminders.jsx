// The reminders example (`Reminders` at /agents/reminders/{name}): reminders
// scheduled with the agent's alarms; the synced state lists those that fired.
import { useAgent } from "agents/react";
import { useCallback, useEffect, useState } from "react";
import { ConnectionStatus } from "./connection.jsx";

function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function RemindersPanel({ name }) {
  const [fired, setFired] = useState([]);
  const [pending, setPending] = useState([]);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState(null);
  const [text, setText] = useState("Stretch your legs");
  const [seconds, setSeconds] = useState(10);
  const now = useNow();
  const agent = useAgent({
    agent: "Reminders",
    name,
    onStateUpdate: (state) => setFired(state.fired),
    onOpen: () => setOpen(true),
    onClose: () => setOpen(false),
    onMessage: (event) => {
      if (event.data.includes('"reminder"')) refresh();
    },
  });
  const refresh = useCallback(() => {
    agent
      .call("list", [])
      .then(setPending)
      .catch((e) => setError(e.message));
  }, [agent]);
  useEffect(refresh, [refresh]);

  const remind = (event) => {
    event.preventDefault();
    setError(null);
    agent
      .call("remind", [text, Number(seconds)])
      .then(refresh)
      .catch((e) => setError(e.message));
  };
  const cancel = (id) =>
    agent
      .call("cancel", [id])
      .then(refresh)
      .catch((e) => setError(e.message));

  return (
    <section className="panel" id="reminders">
      <h2>Reminders</h2>
      <p className="about">Reminders kept by the agent's alarm scheduler; when one fires, every tab in the room hears it.</p>
      <form className="row" onSubmit={remind}>
        <input className="grow" value={text} onChange={(e) => setText(e.target.value)} aria-label="reminder text" />
        <input
          type="number"
          min="1"
          value={seconds}
          onChange={(e) => setSeconds(e.target.value)}
          style={{ width: "5em" }}
          aria-label="seconds"
        />
        <span>s</span>
        <button type="submit" disabled={!open}>
          Remind me
        </button>
      </form>
      <h3 className="about">Pending</h3>
      <ul className="log" id="reminders-pending">
        {pending.length === 0 && <li className="empty">Nothing scheduled.</li>}
        {pending.map((s) => (
          <li key={s.id}>
            <span className="when">
              in {Math.max(0, Math.round((s.dueMs - now) / 1000))} s{" "}
              <button className="quiet" onClick={() => cancel(s.id)}>
                cancel
              </button>
            </span>
            {s.payload?.text ?? s.callback}
          </li>
        ))}
      </ul>
      <h3 className="about">Fired</h3>
      <ul className="log" id="reminders-fired">
        {fired.length === 0 && <li className="empty">None has fired yet.</li>}
        {[...fired].reverse().map((text, i) => (
          <li key={`${fired.length - i}`}>{text}</li>
        ))}
      </ul>
      <div className="row">
        <span className="grow" />
        <ConnectionStatus open={open} />
      </div>
      {error && <p className="error">{error}</p>}
    </section>
  );
}
