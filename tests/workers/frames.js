// A raw WebSocket client for the runtime tests: connects through the worker's
// fetch handler and lets a test await frames by predicate.
import { exports } from "cloudflare:workers";

export async function fetchWorker(path, init) {
  return exports.default.fetch(new Request(`http://agents.test${path}`, init));
}

export async function connect(path) {
  const response = await fetchWorker(path, { headers: { Upgrade: "websocket" } });
  if (response.status !== 101) {
    throw new Error(`upgrade of ${path} failed: ${response.status} ${await response.text()}`);
  }
  const ws = response.webSocket;
  ws.accept();
  return new FrameClient(ws);
}

export class FrameClient {
  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.waiters = [];
    this.closeEvent = null;
    ws.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        frame = { raw: event.data };
      }
      this.frames.push(frame);
      this.flush();
    });
    ws.addEventListener("close", (event) => {
      this.closeEvent = { code: event.code, reason: event.reason };
      for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(`socket closed (${event.code})`));
    });
  }

  flush() {
    for (const waiter of [...this.waiters]) {
      const index = this.frames.findIndex(waiter.match);
      if (index !== -1) {
        const [frame] = this.frames.splice(index, 1);
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        clearTimeout(waiter.timer);
        waiter.resolve(frame);
      }
    }
  }

  /** The first (oldest) frame matching `match`, removed from the queue. */
  next(match = () => true, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve, reject };
      waiter.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no matching frame within ${timeoutMs} ms; have ${JSON.stringify(this.frames).slice(0, 500)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
      this.flush();
    });
  }

  ofType(type, timeoutMs) {
    return this.next((f) => f.type === type, timeoutMs);
  }

  /** Waits briefly and returns the frames of `type` still queued. */
  async pending(type, waitMs = 200) {
    await new Promise((r) => setTimeout(r, waitMs));
    return this.frames.filter((f) => f.type === type);
  }

  send(value) {
    this.ws.send(typeof value === "string" ? value : JSON.stringify(value));
  }

  /** Sends an RPC request and resolves with its final frame (done or failure). */
  async call(method, args = []) {
    const id = crypto.randomUUID();
    this.send({ type: "rpc", id, method, args });
    return this.next((f) => f.type === "rpc" && f.id === id && (f.done === true || f.success === false), 10_000);
  }

  /** Connect frames: identity, state (when the agent has state), mcp servers. */
  async handshake() {
    const identity = await this.next();
    const state = identity.stateFollows ? await this.next() : undefined;
    const mcp = await this.next();
    return { identity, state, mcp };
  }

  close() {
    this.ws.close(1000, "done");
  }
}

export function uniqueName(prefix) {
  return `${prefix}-${crypto.randomUUID()}`;
}
