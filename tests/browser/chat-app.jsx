// A React page using the official `useAgentChat` hook (agents/chat/react, on
// the AI SDK's useChat) against the fixture's ChatProbe. Bundled by esbuild in
// tests/integration/chat-browser.test.js; configured by window.AGENT_TEST.
// What the test reads and drives is on window.chatTest: every status the page
// rendered (in order), the messages as text, and send/stop/regenerate/clear.
import { useAgentChat } from "agents/chat/react";
import { useAgent } from "agents/react";
import { Suspense, useEffect } from "react";
import { createRoot } from "react-dom/client";

const probe = (window.chatTest = {
  statuses: [],
  messages: [],
  mostAssistants: 0,
  status: null,
  api: null,
  connected: false,
});

const textOf = (message) =>
  message.parts
    .filter((part) => part.type === "text")
    .map((part) => part.text)
    .join("");

function Chat({ host, name }) {
  const agent = useAgent({
    agent: "ChatProbe",
    name,
    host,
    protocol: "ws",
    onOpen: () => (probe.connected = true),
    onClose: () => (probe.connected = false),
  });
  const { messages, status, sendMessage, stop, regenerate, clearHistory } = useAgentChat({ agent });

  useEffect(() => {
    probe.statuses.push(status);
    probe.status = status;
  }, [status]);
  probe.messages = messages.map((m) => ({ id: m.id, role: m.role, text: textOf(m) }));
  probe.mostAssistants = Math.max(probe.mostAssistants, messages.filter((m) => m.role === "assistant").length);
  probe.api = {
    send: (text) => {
      sendMessage({ text });
    },
    stop: () => stop(),
    regenerate: () => {
      regenerate();
    },
    clear: () => clearHistory(),
  };

  return (
    <main>
      <p id="status">{status}</p>
      <ol id="messages">
        {messages.map((m) => (
          <li key={m.id} data-role={m.role}>
            <b>{m.role}:</b> {textOf(m)}
          </li>
        ))}
      </ol>
    </main>
  );
}

createRoot(document.getElementById("root")).render(
  <Suspense fallback={<p id="loading">loading</p>}>
    <Chat {...window.AGENT_TEST} />
  </Suspense>,
);
