// CPU time of the workerd process running a `wrangler dev` worker, read from
// /proc (Linux): the server's own cost of a workload, apart from the driver's.
// `wrangler dev` runs two workerd processes: a proxy on the port it was given,
// which forwards every request and frame, and the worker's own (a sibling of
// the proxy); the worker's is measured. Elsewhere, or without `ss`,
// `serverCpu` returns null and the figures are left out.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

function pidOnPort(port) {
  try {
    const out = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
    const pid = out.match(/pid=(\d+)/);
    return pid ? Number(pid[1]) : null;
  } catch {
    return null;
  }
}

const statFields = (pid) => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");

/** The workerd processes started by the same `wrangler dev` as the proxy on `port`, but the proxy. */
function workerPid(port) {
  const proxy = pidOnPort(port);
  if (!proxy) return null;
  const parent = statFields(proxy)[1];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === proxy) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, "utf8").trim();
      if (comm === "workerd" && statFields(entry)[1] === parent) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return null;
}

/** Nanoseconds on CPU, all threads of `pid` (each task's schedstat). */
function cpuNanos(pid) {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return total;
}

/** A CPU meter for the worker served at `url` by `wrangler dev`, or null. */
export function serverCpu(url) {
  const pid = workerPid(new URL(url).port);
  if (!pid) return null;
  try {
    cpuNanos(pid);
  } catch {
    return null;
  }
  const port = new URL(url).port;
  let current = pid;
  /** The worker's CPU now, or null when its workerd is gone (`wrangler dev` restarts it when its inputs change). */
  const now = () => {
    try {
      return { pid: current, nanos: cpuNanos(current) };
    } catch {
      current = workerPid(port) ?? current;
      return null;
    }
  };
  return {
    get pid() {
      return current;
    },
    /** Runs `work` and returns its result with `serverCpuMs` added (left out when the worker's process changed meanwhile). */
    async measure(work) {
      const before = now();
      const result = await work();
      const after = now();
      if (!before || !after || before.pid !== after.pid) return result;
      return { ...result, serverCpuMs: Number(((after.nanos - before.nanos) / 1e6).toFixed(1)) };
    },
  };
}
