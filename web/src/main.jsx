// The demo's web page: one panel per example agent, each talking to the Rust
// agents of this worker through the official `agents` React hooks. Bundled by
// scripts/build-web.mjs into web/dist/ and served by the demo worker as static
// assets (wrangler.toml `[assets]`), so the page and the agents share one origin.
import { createRoot } from "react-dom/client";
import { ChatRoomPanel } from "./chat-room.jsx";
import { CounterPanel } from "./counter.jsx";
import { RemindersPanel } from "./reminders.jsx";
import { TravelPanel } from "./travel.jsx";

// The counter, the chat room and the reminders are shared by everyone who
// opens the page with the same `?room=` (default "demo"); the travel chat
// belongs to this browser (its name is kept in localStorage, so the
// conversation survives a reload).
const room = new URLSearchParams(location.search).get("room") || "demo";

function travelChatName() {
  const key = "workers-agents-demo:travel-chat";
  let name = localStorage.getItem(key);
  if (!name) {
    name = `trip-${crypto.randomUUID().slice(0, 8)}`;
    localStorage.setItem(key, name);
  }
  return name;
}

function App() {
  return (
    <>
      <header>
        <h1>workers-agents demo</h1>
        <p>
          Rust agents on Cloudflare Workers, driven by the official <code>agents</code> React hooks. Room{" "}
          <b>{room}</b>: open this page in a second tab to see every panel stay in sync.
        </p>
      </header>
      <main>
        <CounterPanel name={room} />
        <ChatRoomPanel name={room} />
        <RemindersPanel name={room} />
        <TravelPanel name={travelChatName()} />
      </main>
    </>
  );
}

createRoot(document.getElementById("root")).render(<App />);
