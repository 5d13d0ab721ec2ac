// A React page using the official `useAgentChat` hook (agents/chat/react, on
// the AI SDK's useChat) against the fixture's ChatProbe (or the class
// `agent` names, e.g. ToolChat). Bundled by esbuild in
// tests/integration/chat-browser.test.js; configured by window.AGENT_TEST.
// What the test reads and drives is on window.chatTest: every status the page
// rendered (in order), the messages as text and their tool parts, and
// send/stop/regenerate/clear/approve. The browser tool get_user_location is
// answered at once with `{ city: "Oslo" }` (the hook's onToolCall).
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

const toolsOf = (message) =>
  message.parts
    .filter((part) => part.type.startsWith("tool-"))
    .map((part) => ({
      name: part.type.slice("tool-".length),
      toolCallId: part.toolCallId,
      state: part.state,
      ...(part.approval ? { approval: part.approval } : {}),
      ...(part.output !== undefined ? { output: part.output } : {}),
    }));

const textOf = (message) =>
  message.parts
    .filter((part) => part.type === "text")
    .map((part) => part.text)
    .join("");

function Chat({ host, name, agent: className = "ChatProbe" }) {
  const agent = useAgent({
    agent: className,
    name,
    host,
    protocol: "ws",
    onOpen: () => (probe.connected = true),
    onClose: () => (probe.connected = false),
  });
  const { messages, status, error, sendMessage, stop, regenerate, clearHistory, addToolApprovalResponse } = useAgentChat({
    agent,
    onToolCall: ({ toolCall, addToolOutput }) => {
      if (toolCall.toolName === "get_user_location") {
        addToolOutput({ toolCallId: toolCall.toolCallId, output: { city: "Oslo" } });
      }
    },
  });

  useEffect(() => {
    probe.statuses.push(status);
    probe.status = status;
  }, [status]);
  probe.messages = messages.map((m) => ({ id: m.id, role: m.role, text: textOf(m) }));
  probe.tools = messages.map(toolsOf);
  probe.error = error ? String(error.stack ?? error.message ?? error) : null;
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
    // Answers the approval request of the newest tool part waiting for one.
    approve: (approved) => {
      const part = messages
        .flatMap((m) => m.parts)
        .findLast((p) => p.state === "approval-requested");
      addToolApprovalResponse({ id: part.approval.id, approved });
    },
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
