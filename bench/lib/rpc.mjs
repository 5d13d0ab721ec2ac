// A minimal client of the agents wire protocol over a plain WebSocket, for
// drivers that measure any server speaking it (Rust or TypeScript).
export async function connectAgent(baseUrl, agent, name) {
  const url = `${baseUrl.replace(/^http/, "ws")}/agents/${agent}/${encodeURIComponent(name)}`;
  const ws = new WebSocket(url);
  const pending = new Map();
  const listeners = new Set();
  ws.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    for (const listener of listeners) listener(frame);
    if (frame.type !== "rpc") return;
    const call = pending.get(frame.id);
    if (!call) return;
    if (frame.success === false) {
      pending.delete(frame.id);
      call.reject(new Error(frame.error));
    } else if (frame.done !== false) {
      pending.delete(frame.id);
      call.resolve(frame.result);
    }
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), { once: true });
  });
  let next = 0;
  return {
    call(method, ...args) {
      const id = `c${next++}`;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        ws.send(JSON.stringify({ type: "rpc", id, method, args }));
      });
    },
    onFrame(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      ws.close();
    },
  };
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
