// The chat room example (`ChatRoom` at /agents/chat-room/{name}): messages
// stored in the agent's SQL and broadcast to every connection; the synced
// state counts who is online.
import { useAgent } from "agents/react";
import { useEffect, useRef, useState } from "react";
import { ConnectionStatus } from "./connection.jsx";

const USER_KEY = "workers-agents-demo:user";

function merge(known, incoming) {
  const byId = new Map(known.map((m) => [m.id, m]));
  for (const message of incoming) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

export function ChatRoomPanel({ name }) {
  const [messages, setMessages] = useState([]);
  const [online, setOnline] = useState(0);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState(null);
  const [user, setUser] = useState(() => localStorage.getItem(USER_KEY) || `guest-${Math.floor(Math.random() * 1000)}`);
  const [text, setText] = useState("");
  const log = useRef(null);
  const agent = useAgent({
    agent: "ChatRoom",
    name,
    onStateUpdate: (state) => setOnline(state.online),
    onOpen: () => setOpen(true),
    onClose: () => setOpen(false),
    onMessage: (event) => {
      try {
        const frame = JSON.parse(event.data);
        if (frame.type === "chat") setMessages((known) => merge(known, [frame.message]));
      } catch {
        // not a frame of the room's
      }
    },
  });

  useEffect(() => {
    agent
      .call("recent", [50])
      .then((recent) => setMessages((known) => merge(known, recent)))
      .catch((e) => setError(e.message));
  }, [agent]);
  useEffect(() => {
    log.current?.scrollTo(0, log.current.scrollHeight);
  }, [messages]);
  useEffect(() => localStorage.setItem(USER_KEY, user), [user]);

  const send = (event) => {
    event.preventDefault();
    if (!text.trim() || !user.trim()) return;
    setError(null);
    agent
      .call("send", [user.trim(), text.trim()])
      .then(() => setText(""))
      .catch((e) => setError(e.message));
  };

  return (
    <section className="panel" id="chat-room">
      <h2>Chat room</h2>
      <p className="about">
        Messages stored in the agent's SQLite and broadcast to every tab in the room; {online} online now.
      </p>
      <ul className="log" ref={log}>
        {messages.length === 0 && <li className="empty">No messages yet: say hello.</li>}
        {messages.map((m) => (
          <li key={m.id}>
            <span className="when">{new Date(m.at).toLocaleTimeString()}</span>
            <span className="who">{m.user}</span>
            {m.text}
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={send}>
        <input value={user} onChange={(e) => setUser(e.target.value)} size={10} aria-label="your name" />
        <input
          className="grow"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="Write a message"
          aria-label="message"
        />
        <button type="submit" disabled={!open}>
          Send
        </button>
      </form>
      <div className="row">
        <span className="grow" />
        <ConnectionStatus open={open} />
      </div>
      {error && <p className="error">{error}</p>}
    </section>
  );
}
