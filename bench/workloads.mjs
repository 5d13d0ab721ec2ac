// The benchmark workloads. Each takes the server's base URL and a size
// profile and returns plain figures; the driver (bench/run.mjs) runs them
// against the Rust and TypeScript servers alternately.
import { connectAgent, percentile } from "./lib/rpc.mjs";

const unique = (prefix) => `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
const round = (x, digits = 2) => Number(x.toFixed(digits));

async function withAgent(baseUrl, name, body) {
  const agent = await connectAgent(baseUrl, "bench-agent", name);
  try {
    return await body(agent);
  } finally {
    agent.close();
  }
}

function waitFor(agent, predicate, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error("timed out waiting for a frame"));
    }, timeoutMs);
    const stop = agent.onFrame((frame) => {
      if (predicate(frame)) {
        clearTimeout(timer);
        stop();
        resolve(frame);
      }
    });
  });
}

/** Sequential `echo` round trips from one client. */
export async function rpcRoundTrip(baseUrl, { calls }) {
  return withAgent(baseUrl, unique("rtt"), async (agent) => {
    for (let i = 0; i < 20; i++) await agent.call("echo", i);
    const times = [];
    const started = performance.now();
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await agent.call("echo", { i });
      times.push(performance.now() - t);
    }
    const total = performance.now() - started;
    return { p50Ms: round(percentile(times, 50), 3), p99Ms: round(percentile(times, 99), 3), callsPerS: Math.round((calls / total) * 1000) };
  });
}

/** Many clients each pipelining state-changing `inc(1)` calls; checks no update is lost. */
export async function pipelinedInc(baseUrl, { clients, callsPerClient }) {
  const name = unique("inc");
  const agents = await Promise.all(Array.from({ length: clients }, () => connectAgent(baseUrl, "bench-agent", name)));
  try {
    const started = performance.now();
    await Promise.all(agents.map((agent) => Promise.all(Array.from({ length: callsPerClient }, () => agent.call("inc", 1)))));
    const total = performance.now() - started;
    const final = await agents[0].call("inc", 0);
    const expected = clients * callsPerClient;
    return { callsPerS: Math.round((expected / total) * 1000), lost: expected - final };
  } finally {
    for (const agent of agents) agent.close();
  }
}

/** Time until every one of `clients` connections has a state change. */
export async function fanOut(baseUrl, { clients, rounds }) {
  const name = unique("fan");
  const agents = await Promise.all(Array.from({ length: clients }, () => connectAgent(baseUrl, "bench-agent", name)));
  try {
    const times = [];
    for (let r = 1; r <= rounds; r++) {
      const arrivals = agents.map((agent) => waitFor(agent, (f) => f.type === "cf_agent_state" && f.state.counter === r));
      const t = performance.now();
      await agents[0].call("inc", 1);
      await Promise.all(arrivals);
      times.push(performance.now() - t);
    }
    return { p50Ms: round(percentile(times, 50)), p99Ms: round(percentile(times, 99)) };
  } finally {
    for (const agent of agents) agent.close();
  }
}

/** One call inserting `rows` rows. */
export async function sqlInsert(baseUrl, { rows }) {
  return withAgent(baseUrl, unique("sql"), async (agent) => {
    const t = performance.now();
    const total = await agent.call("sqlInsert", rows);
    return { ms: round(performance.now() - t), rows: total };
  });
}

/** `count` schedules due together; how many fired, and how late. */
export async function schedules(baseUrl, { count }) {
  return withAgent(baseUrl, unique("sched"), async (agent) => {
    const delaySeconds = 1 + Math.ceil(count / 2000);
    const t = performance.now();
    const { due } = await agent.call("scheduleMany", count, delaySeconds);
    const scheduleMs = performance.now() - t;
    const deadline = Date.now() + delaySeconds * 1000 + 60_000;
    let ticks = [];
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      ticks = await agent.call("ticks");
      if (ticks.length >= count) break;
    }
    const lateness = ticks.map((t) => t.fired - t.due);
    return {
      scheduleMs: round(scheduleMs),
      fired: ticks.length,
      early: lateness.filter((l) => l < 0).length,
      latenessP50Ms: percentile(lateness, 50),
      latenessP99Ms: percentile(lateness, 99),
      latenessMaxMs: lateness.length ? Math.max(...lateness) : NaN,
      dueTo: due,
    };
  });
}

/** First call to a new instance (connect + echo) versus to a warm one; medians over `agents` new instances. */
export async function coldVersusWarm(baseUrl, { agents = 1, warmRepeats = 1 } = {}) {
  const cold = [];
  const warm = [];
  for (let i = 0; i < agents; i++) {
    const name = unique("cold");
    // Connections stay open until the agent's last sample: closing one costs the server a close handshake
    // (the Rust agents answer a close without a code; the TS SDK leaves it hanging), which would otherwise
    // land inside the next sample.
    const open = [];
    const timeConnectAndEcho = async () => {
      const t = performance.now();
      const agent = await connectAgent(baseUrl, "bench-agent", name);
      open.push(agent);
      await agent.call("echo", 1);
      return performance.now() - t;
    };
    try {
      cold.push(await timeConnectAndEcho());
      for (let r = 0; r < warmRepeats; r++) warm.push(await timeConnectAndEcho());
    } finally {
      for (const agent of open) agent.close();
    }
  }
  return { coldMs: round(percentile(cold, 50)), warmMs: round(percentile(warm, 50)) };
}

/**
 * Set a state of about `bytes` bytes, `updates` times in a row on one new
 * instance; the median time until another client has it.
 */
export async function largeState(baseUrl, { bytes, updates = 1, everyItem = false }) {
  const name = unique("big");
  const writer = await connectAgent(baseUrl, "bench-agent", name);
  const reader = await connectAgent(baseUrl, "bench-agent", name);
  try {
    const times = [];
    for (let u = 0; u < updates; u++) {
      // Each update differs from the last in its first item, or in every item.
      const first = `update ${u} `.padEnd(1000, "x");
      const item = everyItem ? first : "x".repeat(1000);
      const items = Array.from({ length: Math.round(bytes / 1003) }, (_, i) => (i === 0 ? first : item));
      const arrived = waitFor(reader, (f) => f.type === "cf_agent_state" && f.state.items[0] === first);
      const t = performance.now();
      try {
        await writer.call("setItems", items);
      } catch (error) {
        return { error: String(error.message).slice(0, 80) };
      }
      await arrived;
      times.push(performance.now() - t);
    }
    return { ms: round(percentile(times, 50)) };
  } finally {
    writer.close();
    reader.close();
  }
}
