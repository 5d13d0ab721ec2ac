// CPU time of the workerd process serving a port, read from /proc (Linux):
// the server's own cost of a workload, apart from the driver's. Elsewhere, or
// without `ss`, `serverCpu` returns null and the figures are left out.
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

/** A CPU meter for the server listening on `url`'s port, or null. */
export function serverCpu(url) {
  const pid = pidOnPort(new URL(url).port);
  if (!pid) return null;
  try {
    cpuNanos(pid);
  } catch {
    return null;
  }
  return {
    pid,
    /** Runs `work` and returns its result with `serverCpuMs` added. */
    async measure(work) {
      const before = cpuNanos(pid);
      const result = await work();
      const serverCpuMs = Number(((cpuNanos(pid) - before) / 1e6).toFixed(1));
      return { ...result, serverCpuMs };
    },
  };
}
