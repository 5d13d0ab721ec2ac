// A connection's status line, shared by the panels.
export function ConnectionStatus({ open }) {
  return <span className={`status ${open ? "online" : "offline"}`}>{open ? "connected" : "connecting…"}</span>;
}
