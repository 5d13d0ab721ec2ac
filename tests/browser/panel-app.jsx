// The demo page's chat panel (web/src/travel.jsx) alone, pointed at a chat
// agent class of the fixture (window.AGENT_TEST.agent), for
// tests/integration/chat-browser.test.js: the panel's own rendering of a
// useAgentChat conversation, and its notice for an agent the worker lacks.
import { createRoot } from "react-dom/client";
import { TravelPanel } from "../../web/src/travel.jsx";

const { host, name, agent } = window.AGENT_TEST;
createRoot(document.getElementById("root")).render(<TravelPanel name={name} agent={agent} host={host} />);
