// The travel agent (`TravelAgent` at /agents/travel-agent/{name}) through the
// official `useAgentChat`: streamed text, a server tool (`search_flights`), a
// browser tool (`get_user_location`, answered here through the hook's
// onToolCall), and a tool that needs a person's approval (`book_flight`, with
// Approve/Deny). The conversation is stored by the agent, so it survives a
// reload; the bookings it made (its `bookings()` callable) are listed beside
// it. A worker without the agent gets a clear notice instead of a chat.
import { useAgentChat } from "agents/chat/react";
import { useAgent } from "agents/react";
import { Component, Suspense, useEffect, useRef, useState } from "react";
import { ConnectionStatus } from "./connection.jsx";

/** The URL segment of an agent class: `TravelAgent` → `travel-agent`. */
const kebab = (className) => className.replace(/[A-Z]/g, (c, i) => (i ? "-" : "") + c.toLowerCase());

/**
 * The chat panel for the instance `name` of the chat agent class `agent`
 * (the demo's `TravelAgent` unless told), on `host` (default: this page's).
 */
export function TravelPanel({ name, agent = "TravelAgent", host }) {
  const path = `/agents/${kebab(agent)}`;
  const origin = host ? `${location.protocol}//${host}` : "";
  // Asked first, so a worker without the agent shows why instead of a socket that retries forever.
  const [probe, setProbe] = useState({ state: "checking" });
  useEffect(() => {
    let live = true;
    fetch(`${origin}${path}/${encodeURIComponent(name)}/get-messages`)
      .then(async (response) => {
        const told = response.ok ? "" : (await response.text()).trim();
        if (live) setProbe(response.ok ? { state: "ready" } : { state: "missing", why: `${response.status} ${told}` });
      })
      .catch((error) => live && setProbe({ state: "missing", why: error.message }));
    return () => {
      live = false;
    };
  }, [origin, path, name]);

  return (
    <section className="panel wide" id="travel">
      <h2>Travel agent</h2>
      <p className="about">
        A chat with <code>useAgentChat</code>: the agent searches flights on the server, asks this browser where you
        are, and books only after you approve.
      </p>
      {probe.state === "checking" && <p className="status">Looking for the travel agent…</p>}
      {probe.state === "missing" && (
        <p className="notice" id="travel-missing">
          This worker has no travel agent yet: <code>GET {path}/{name}/get-messages</code> answered{" "}
          <code>{probe.why}</code>. Add the <code>{agent}</code> class to the demo worker to chat here.
        </p>
      )}
      {probe.state === "ready" && (
        <Failsafe>
          <Suspense fallback={<p className="status">Loading the conversation…</p>}>
            <TravelChat name={name} agent={agent} host={host} />
          </Suspense>
        </Failsafe>
      )}
    </section>
  );
}

/** Shows a render error of the chat instead of blanking the whole page. */
class Failsafe extends Component {
  state = { error: null };
  static getDerivedStateFromError(error) {
    return { error };
  }
  render() {
    return this.state.error ? <p className="error">The chat failed: {this.state.error.message}</p> : this.props.children;
  }
}

/** What the browser knows of where it is, without asking for permission: its time zone's city. */
function browserLocation() {
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
  const city = timeZone.includes("/") ? timeZone.split("/").pop().replaceAll("_", " ") : timeZone;
  return { city, timeZone, source: "the browser's time zone" };
}

function TravelChat({ name, agent: className, host }) {
  const [open, setOpen] = useState(false);
  const [input, setInput] = useState("");
  const log = useRef(null);
  const agent = useAgent({
    agent: className,
    name,
    ...(host ? { host } : {}),
    onOpen: () => setOpen(true),
    onClose: () => setOpen(false),
  });
  const { messages, status, error, sendMessage, stop, clearHistory, addToolApprovalResponse } = useAgentChat({
    agent,
    onToolCall: ({ toolCall, addToolOutput }) => {
      if (toolCall.toolName === "get_user_location") {
        addToolOutput({ toolCallId: toolCall.toolCallId, output: browserLocation() });
      }
    },
  });
  const busy = status === "submitted" || status === "streaming";
  useEffect(() => {
    log.current?.scrollTo(0, log.current.scrollHeight);
  }, [messages]);
  // The bookings, asked again whenever the agent is done answering (a booking happens inside a turn).
  const [bookings, setBookings] = useState(null);
  useEffect(() => {
    if (!open || busy) return;
    let live = true;
    agent
      .call("bookings", [])
      .then((list) => live && setBookings(Array.isArray(list) ? list : null))
      .catch(() => live && setBookings(null)); // an agent without the callable: no list
    return () => {
      live = false;
    };
  }, [agent, open, busy, messages.length]);

  const send = (event) => {
    event.preventDefault();
    const text = input.trim();
    if (!text || busy) return;
    sendMessage({ text });
    setInput("");
  };
  const respond = (approvalId, approved) => addToolApprovalResponse({ id: approvalId, approved });

  return (
    <div className="travel">
      <div className="travel-chat">
        <div className="chat" ref={log} id="travel-messages">
          {messages.length === 0 && (
            <p className="status">Try: “Find me a flight from where I am to Lisbon, and book the cheapest.”</p>
          )}
          {messages.map((message) => (
            <div key={message.id} className={`bubble ${message.role}`}>
              {message.parts.map((part, i) => (
                <Part key={i} part={part} respond={respond} />
              ))}
              {message.metadata?.outcome === "aborted" && (
                <p className="interrupted">Interrupted: the agent stopped before it finished this answer.</p>
              )}
            </div>
          ))}
        </div>
        <form className="row" onSubmit={send}>
          <input
            className="grow"
            value={input}
            onChange={(e) => setInput(e.target.value)}
            placeholder="Ask the travel agent"
            aria-label="message to the travel agent"
          />
          {busy ? (
            <button type="button" onClick={() => stop()}>
              Stop
            </button>
          ) : (
            <button type="submit" disabled={!open}>
              Send
            </button>
          )}
          <button type="button" className="quiet" onClick={() => clearHistory()} disabled={busy}>
            Clear
          </button>
        </form>
        <div className="row">
          <span className="status">{busy ? "the agent is answering…" : "ready"}</span>
          <span className="grow" />
          <ConnectionStatus open={open} />
        </div>
        {error && <p className="error">{error.message}</p>}
      </div>
      {bookings && <Bookings list={bookings} />}
    </div>
  );
}

/** The agent's stored bookings. */
function Bookings({ list }) {
  return (
    <aside className="bookings" id="travel-bookings">
      <h3>Your bookings</h3>
      {list.length === 0 ? (
        <p className="status">Nothing booked yet.</p>
      ) : (
        <ul>
          {list.map((b, i) =>
            typeof b === "object" && b ? (
              <li key={b.reference ?? i} data-flight={b.flight_id}>
                <b>{b.reference}</b> {b.from} → {b.to}
                <div className="status">
                  {b.airline}, {b.departs}–{b.arrives}, €{b.price_eur}
                </div>
              </li>
            ) : (
              <li key={i}>{String(b)}</li>
            ),
          )}
        </ul>
      )}
    </aside>
  );
}

function Part({ part, respond }) {
  if (part.type === "text") return <span>{part.text}</span>;
  if (part.type === "reasoning") return <em className="status">{part.text}</em>;
  if (part.type.startsWith("tool-")) return <ToolPart name={part.type.slice("tool-".length)} part={part} respond={respond} />;
  if (part.type === "dynamic-tool") return <ToolPart name={part.toolName} part={part} respond={respond} />;
  return null;
}

const LABELS = {
  search_flights: "Searching flights",
  get_user_location: "Asking your browser where you are",
  book_flight: "Booking a flight",
};

function ToolPart({ name, part, respond }) {
  return (
    <div className="tool" data-tool={name} data-state={part.state}>
      <span className="name">{LABELS[name] ?? name}</span>
      {part.input !== undefined && Object.keys(part.input ?? {}).length > 0 && (
        <span className="status"> {JSON.stringify(part.input)}</span>
      )}
      <ToolState part={part} respond={respond} />
    </div>
  );
}

function ToolState({ part, respond }) {
  switch (part.state) {
    case "input-streaming":
      return <div className="status">preparing the call…</div>;
    case "input-available":
      return <div className="status">running…</div>;
    case "approval-requested":
      return (
        <div className="row">
          <span>This needs your approval.</span>
          <button onClick={() => respond(part.approval.id, true)}>Approve</button>
          <button className="quiet" onClick={() => respond(part.approval.id, false)}>
            Deny
          </button>
        </div>
      );
    case "approval-responded":
      return part.approval?.approved ? (
        <div className="approved">Approved: booking…</div>
      ) : (
        <div className="denied">Denied.</div>
      );
    case "output-available":
      return <Output value={part.output} />;
    case "output-error":
      return <div className="error">{part.errorText}</div>;
    case "output-denied":
      return <div className="denied">Denied: not booked.</div>;
    default:
      return null;
  }
}

/** A tool's output: a list of records as a table (flights), anything else as JSON. */
function Output({ value }) {
  const rows = Array.isArray(value) ? value : Array.isArray(value?.flights) ? value.flights : null;
  if (rows && rows.length > 0 && rows.every((row) => row && typeof row === "object")) {
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    return (
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{typeof row[c] === "object" ? JSON.stringify(row[c]) : String(row[c] ?? "")}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return <pre>{JSON.stringify(value, null, 2)}</pre>;
}
