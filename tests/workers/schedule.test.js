import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connect, uniqueName } from "./frames.js";

const stub = (name) => env.Jobs.get(env.Jobs.idFromName(name));

async function jobs() {
  const name = uniqueName("jobs");
  const client = await connect(`/agents/jobs/${name}`);
  await client.handshake();
  const call = async (method, ...args) => {
    const reply = await client.call(method, args);
    if (!reply.success) throw new Error(reply.error);
    return reply.result;
  };
  return { name, client, call, stub: stub(name) };
}

const labels = (runs) => runs.map((r) => r.label);

describe("schedules", () => {
  it("runs a delayed task no earlier than its due time, then removes it", async () => {
    const { client, call } = await jobs();
    const schedule = await call("schedule", { delayMs: 300 }, "record", { label: "soon" });
    expect(schedule).toMatchObject({ callback: "record", kind: "delayed", payload: { label: "soon" }, status: "pending" });
    expect(await call("alarm")).toBe(schedule.dueMs);
    await expect.poll(async () => labels(await call("runs")), { timeout: 5_000 }).toEqual(["soon"]);
    const [run] = await call("runs");
    expect(run.fired_ms).toBeGreaterThanOrEqual(schedule.dueMs);
    expect(await call("get", schedule.id)).toBeNull();
    expect(await call("alarm")).toBeNull();
    client.close();
  });

  it("runs a time in the past at once", async () => {
    const { client, call, stub } = await jobs();
    const schedule = await call("schedule", { atMs: Date.parse("2001-01-01T00:00:00Z") }, "record", { label: "past" });
    expect(schedule.kind).toBe("scheduled");
    expect(schedule.dueMs).toBeGreaterThan(Date.parse("2020-01-01T00:00:00Z"));
    await runDurableObjectAlarm(stub); // the alarm may already have run by itself
    await expect.poll(async () => labels(await call("runs"))).toEqual(["past"]);
    client.close();
  });

  it("does not run a task before it is due even when the alarm fires early", async () => {
    const { client, call, stub } = await jobs();
    const schedule = await call("schedule", { delayMs: 60_000 }, "record", { label: "later" });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await call("runs")).toEqual([]);
    expect(await call("alarm")).toBe(schedule.dueMs);
    client.close();
  });

  it("lists, filters and cancels schedules; the alarm follows the earliest", async () => {
    const { client, call } = await jobs();
    const a = await call("schedule", { delayMs: 60_000 }, "record", { label: "a" });
    const b = await call("schedule", { delayMs: 120_000 }, "record", { label: "b" });
    const c = await call("schedule", { everyMs: 30_000 }, "record", { label: "c" });
    // What schedule() returns is what is stored.
    expect(await call("get", a.id)).toEqual(a);
    expect(await call("get", c.id)).toEqual(c);
    expect((await call("list")).map((s) => s.id)).toEqual([c.id, a.id, b.id]);
    expect((await call("list", { kind: "interval" })).map((s) => s.id)).toEqual([c.id]);
    expect((await call("list", { dueFrom: a.dueMs, dueTo: b.dueMs })).map((s) => s.id)).toEqual([a.id, b.id]);
    expect(await call("alarm")).toBe(c.dueMs);
    await call("cancel", c.id);
    expect(await call("alarm")).toBe(a.dueMs);
    await call("cancel", a.id);
    await call("cancel", b.id);
    expect(await call("alarm")).toBeNull();
    expect(await call("list")).toEqual([]);
    await expect(call("cancel", "no-such-id")).rejects.toThrow("no schedule with id no-such-id");
    client.close();
  });

  it("refuses bad input with clear errors and changes nothing", async () => {
    const { client, call } = await jobs();
    const bad = [
      [[{ delayMs: -5 }, "record", { label: "x" }], "cannot schedule: delay must not be negative (got -5 ms)"],
      [[{ everyMs: 0 }, "record", { label: "x" }], "cannot schedule: interval must be positive (got 0 ms)"],
      [[{ cron: "61 * * * *" }, "record", { label: "x" }], 'invalid cron expression "61 * * * *": minute: 61 is out of range 0-59'],
      [[{ cron: "0 9 * * *", zone: "Mars/Olympus" }, "record", { label: "x" }], 'unknown time zone "Mars/Olympus"'],
      [[{ delayMs: 10 }, "nope", {}], "no task named nope"],
      [[{ delayMs: 10 }, "flaky", { label: 5 }], "payload does not match task flaky"],
      [[{ delayMs: 10 }, "record", { label: "x".repeat(600_000) }], "larger than the 524288-byte limit"],
      [[{ delayMs: 10, cron: "* * * * *" }, "record", { label: "x" }], "give exactly one of"],
    ];
    for (const [args, message] of bad) {
      await expect(call("schedule", ...args)).rejects.toThrow(message);
    }
    expect(await call("list")).toEqual([]);
    expect(await call("alarm")).toBeNull();
    client.close();
  });

  it("is idempotent for cron and interval by default, and on request for others", async () => {
    const { client, call } = await jobs();
    const first = await call("schedule", { cron: "*/5 * * * *" }, "record", { label: "c" });
    const again = await call("schedule", { cron: "*/5 * * * *" }, "record", { label: "c" });
    expect(again.id).toBe(first.id);
    const other = await call("schedule", { cron: "*/5 * * * *" }, "record", { label: "other" });
    expect(other.id).not.toBe(first.id);
    const at = Date.now() + 60_000;
    const d1 = await call("schedule", { atMs: at }, "record", { label: "d" });
    const d2 = await call("schedule", { atMs: at }, "record", { label: "d" });
    expect(d2.id).not.toBe(d1.id);
    const d3 = await call("schedule", { atMs: at }, "record", { label: "d" }, { idempotent: true });
    expect(d3.id).toBe(d1.id);
    client.close();
  });

  it("computes cron times in UTC and in a named time zone", async () => {
    const { client, call } = await jobs();
    const now = await call("now");
    const utc = await call("schedule", { cron: "* * * * *" }, "record", { label: "m" });
    expect(utc.dueMs % 60_000).toBe(0);
    expect(utc.dueMs).toBeGreaterThan(now);
    expect(utc.dueMs - now).toBeLessThanOrEqual(60_000);
    const kolkata = await call("schedule", { cron: "0 9 * * *", zone: "Asia/Kolkata" }, "record", { label: "k" });
    expect(kolkata.zone).toBe("Asia/Kolkata");
    expect(kolkata.dueMs % 86_400_000).toBe(3.5 * 3_600_000); // 09:00 IST = 03:30 UTC
    client.close();
  });

  it("keeps a cron schedule's cadence after a run", async () => {
    const { client, call, stub } = await jobs();
    const cron = await call("schedule", { cron: "*/10 * * * *" }, "record", { label: "tick" });
    await call("runNow", cron.id);
    await runDurableObjectAlarm(stub); // the alarm may already have run by itself
    await expect.poll(async () => labels(await call("runs"))).toEqual(["tick"]);
    const after = await call("get", cron.id);
    expect(after).toMatchObject({ status: "pending", runs: 1, attempts: 0 });
    expect(after.dueMs % 600_000).toBe(0);
    expect(after.dueMs).toBeGreaterThan(await call("now"));
    expect(await call("alarm")).toBe(after.dueMs);
    client.close();
  });

  it("runs an interval schedule repeatedly on its cadence, never early", async () => {
    const { client, call } = await jobs();
    const every = await call("schedule", { everyMs: 250 }, "record", { label: "beat" });
    await expect.poll(async () => (await call("runs")).length, { timeout: 8_000 }).toBeGreaterThanOrEqual(3);
    await call("cancel", every.id);
    const runs = await call("runs");
    runs.forEach((run, i) => expect(run.fired_ms).toBeGreaterThanOrEqual(every.dueMs + i * 250));
    client.close();
  });

  it("retries a failing task with backoff, then succeeds", async () => {
    const { client, call } = await jobs();
    await call("schedule", { delayMs: 0 }, "flaky", { label: "f", fail_times: 2 }, { maxAttempts: 3, baseDelayMs: 50 });
    await expect.poll(async () => labels(await call("runs")), { timeout: 8_000 }).toEqual(["attempt:f", "attempt:f", "attempt:f", "f"]);
    expect(await call("list")).toEqual([]);
    client.close();
  });

  it("records a task that fails every attempt as failed, visible in the list", async () => {
    const { client, call } = await jobs();
    const s = await call("schedule", { delayMs: 0 }, "flaky", { label: "g", fail_times: 9 }, { maxAttempts: 2, baseDelayMs: 50 });
    await expect
      .poll(async () => (await call("get", s.id))?.status, { timeout: 8_000 })
      .toBe("failed");
    const failed = await call("list", { status: "failed" });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ id: s.id, attempts: 2, failures: 2, lastError: "g failing on attempt 2" });
    expect(await call("alarm")).toBeNull();
    client.close();
  });

  it("survives a panicking task: it is recorded as failed and other due tasks still run", async () => {
    const { client, call, stub } = await jobs();
    const p = await call("schedule", { delayMs: 0 }, "panicky", { label: "p" }, { maxAttempts: 1 });
    await call("schedule", { delayMs: 0 }, "record", { label: "after-panic" });
    await runDurableObjectAlarm(stub);
    expect(labels(await call("runs"))).toContain("after-panic");
    const failed = await call("get", p.id);
    expect(failed.status).toBe("failed");
    expect(failed.lastError).toBe("task panicky panicked: task p panicked on purpose");
    client.close();
  });

  it("keeps a repeating schedule's cadence when a run fails", async () => {
    const { client, call, stub } = await jobs();
    const s = await call("schedule", { cron: "0 * * * *" }, "flaky", { label: "h", fail_times: 99 }, { maxAttempts: 1 });
    await call("runNow", s.id);
    await runDurableObjectAlarm(stub);
    const after = await call("get", s.id);
    expect(after).toMatchObject({ status: "pending", failures: 1, lastError: "h failing on attempt 1" });
    expect(after.dueMs % 3_600_000).toBe(0);
    client.close();
  });

  it("fires after an eviction between scheduling and firing", async () => {
    const { client, call, stub } = await jobs();
    await call("schedule", { delayMs: 400 }, "record", { label: "evicted" });
    client.close();
    await evictDurableObject(stub);
    await expect
      .poll(async () => runInDurableObject(stub, (_, state) => state.storage.sql.exec("SELECT label FROM runs").toArray().map((r) => r.label)), { timeout: 8_000 })
      .toEqual(["evicted"]);
  });

  it("re-arms a lost alarm when the agent restarts", async () => {
    const { client, call, stub } = await jobs();
    const s = await call("schedule", { delayMs: 3_600_000 }, "record", { label: "far" });
    client.close();
    await runInDurableObject(stub, (_, state) => state.storage.deleteAlarm());
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeNull();
    await evictDurableObject(stub);
    // Any event wakes the agent; its start-up re-arms the alarm.
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBe(s.dueMs);
  });

  it("runs queued tasks one at a time in FIFO order; dequeued ones never run", async () => {
    const { client, call, stub } = await jobs();
    // Queued, listed and one dequeued within one event, before the alarm can run.
    const listed = await call("queueMany", ["q0", "q1", "q2", "q3", "q4"], 2);
    expect(listed.map((q) => q.payload.label)).toEqual(["q0", "q1", "q3", "q4"]);
    await runDurableObjectAlarm(stub);
    await expect.poll(async () => labels(await call("runs"))).toEqual(["q0", "q1", "q3", "q4"]);
    expect(await call("queued")).toEqual([]);
    client.close();
  });

  it("runs 200 schedules due at the same time", async () => {
    const { client, call } = await jobs();
    const { scheduled, due } = await call("scheduleMany", 200, 300);
    expect(scheduled).toBe(200);
    await expect.poll(async () => call("runCount"), { timeout: 10_000 }).toBe(200);
    const runs = await call("runs");
    expect(new Set(runs.map((r) => r.label)).size).toBe(200);
    expect(Math.min(...runs.map((r) => r.fired_ms))).toBeGreaterThanOrEqual(due);
    client.close();
  });

  it("does not let clients call task handlers", async () => {
    const { client } = await jobs();
    expect(await client.call("record", [{ label: "x" }])).toMatchObject({ success: false, error: "Method record is not callable" });
    client.close();
  });
});

const YEAR_100_MS = 3_155_760_000_000;

async function probe() {
  const client = await connect(`/agents/probe/${uniqueName("schedule-caps")}`);
  await client.handshake();
  const call = async (method, ...args) => {
    const reply = await client.call(method, args);
    if (!reply.success) throw new Error(reply.error);
    return reply.result;
  };
  return { client, call };
}

describe("schedule limits", () => {
  it("refuses due times beyond 100 years (or what a JS date holds) and bad retry delays, storing nothing", async () => {
    const { client, call } = await jobs();
    const now = await call("now");
    const beyond = "is more than 100 years ahead";
    const bad = [
      [{ delayMs: YEAR_100_MS + 1 }, beyond],
      [{ delayMs: 8_640_000_000_000_001 }, beyond], // past the last JS date
      [{ atMs: now + YEAR_100_MS + 60_000 }, beyond],
      [{ atMs: 8_640_000_000_000_001 }, beyond],
      [{ everyMs: YEAR_100_MS + 1 }, beyond],
      [{ everyMs: 8_640_000_000_000_001 }, beyond],
    ];
    for (const [when, message] of bad) {
      await expect(call("schedule", when, "record", { label: "x" }), JSON.stringify(when)).rejects.toThrow(message);
    }
    for (const baseDelayMs of [-1, YEAR_100_MS + 1]) {
      await expect(call("schedule", { delayMs: 10 }, "record", { label: "x" }, { baseDelayMs })).rejects.toThrow(
        "retry delays must be between 0 and 3155760000000 ms",
      );
    }
    for (const cron of ["*/61 * * * *", "0 */25 * * *"]) {
      await expect(call("schedule", { cron }, "record", { label: "x" })).rejects.toThrow("is larger than the field's");
    }
    expect(await call("list")).toEqual([]);
    expect(await call("alarm")).toBeNull();
    // The horizon itself is accepted.
    const far = await call("schedule", { delayMs: YEAR_100_MS - 60_000 }, "record", { label: "far" });
    expect(await call("alarm")).toBe(far.dueMs);
    client.close();
  });

  it("refuses a schedule past the agent's MAX_SCHEDULES with a clear error, storing nothing", async () => {
    const { client, call } = await probe(); // Probe::MAX_SCHEDULES is 3
    const kept = [];
    for (let i = 0; i < 3; i++) kept.push(await call("scheduleNoop", 60_000));
    const reply = await client.call("scheduleNoop", [60_000]);
    expect(reply).toMatchObject({ success: false, error: "cannot schedule: the agent already keeps 3 schedules, its limit (Agent::MAX_SCHEDULES)" });
    await expect(call("queueNoop")).rejects.toThrow("its limit (Agent::MAX_SCHEDULES)");
    expect((await call("scheduleIds")).sort()).toEqual(kept.map((s) => s.id).sort());
    // A removed schedule makes room again.
    await call("cancelSchedule", kept[0].id);
    await call("scheduleNoop", 60_000);
    expect(await call("scheduleIds")).toHaveLength(3);
    client.close();
  });

  it("refuses a schedule whose payload would pass the agent's payload total, storing nothing", async () => {
    const { client, call } = await probe(); // Probe::MAX_SCHEDULE_PAYLOAD_BYTES is 1000
    const first = await call("scheduleText", 60_000, "a".repeat(600));
    const reply = await client.call("scheduleText", [60_000, "b".repeat(600)]);
    expect(reply.success).toBe(false);
    expect(reply.error).toMatch(/already hold 602 bytes of payloads; 602 more would pass its limit of 1000 \(Agent::MAX_SCHEDULE_PAYLOAD_BYTES\)/);
    expect(await call("scheduleIds")).toEqual([first.id]);
    // A removed schedule makes room again.
    await call("cancelSchedule", first.id);
    expect((await call("scheduleText", 60_000, "b".repeat(600))).id).toBeTruthy();
    client.close();
  });

  it("stores a failing task's error truncated to 4 KiB, and later due tasks still run", async () => {
    const { client, call, stub } = await jobs();
    const loud = await call("schedule", { delayMs: 0 }, "loud", { label: "loud", bytes: 3_000_000 }, { maxAttempts: 1 });
    await call("schedule", { delayMs: 0 }, "record", { label: "after-loud" });
    await runDurableObjectAlarm(stub); // the alarm may already have run by itself
    await expect.poll(async () => labels(await call("runs")), { timeout: 5_000 }).toEqual(["loud", "after-loud"]);
    const failed = await call("get", loud.id);
    expect(failed.status).toBe("failed");
    expect(new TextEncoder().encode(failed.lastError).length).toBeLessThanOrEqual(4096);
    expect(failed.lastError).toMatch(/^x{4000,}… \(3000000 bytes in all\)$/);
    client.close();
  });

  it("marks a row whose bookkeeping is refused and moves on, with backoff; later due tasks still run", async () => {
    const { client, call, stub } = await jobs();
    await call("refuseBookkeeping", "stuck", ["DELETE"]);
    const stuck = await call("schedule", { delayMs: 0 }, "record", { label: "stuck" });
    await call("schedule", { delayMs: 0 }, "record", { label: "after-stuck" });
    await runDurableObjectAlarm(stub);
    await expect.poll(async () => labels(await call("runs")), { timeout: 5_000 }).toContain("after-stuck");
    const marked = await call("get", stuck.id);
    expect(marked).toMatchObject({ status: "pending", failures: 1 });
    expect(marked.lastError).toContain("refused by test");
    // Backoff: the row waits (5 s at first) instead of running again at once.
    expect(marked.dueMs).toBeGreaterThan(await call("now"));
    expect(labels(await call("runs")).filter((l) => l === "stuck")).toEqual(["stuck"]);
    client.close();
  });

  it("pages get_schedules: bounded pages and a cursor to the next; get_schedules itself refuses more than a page", async () => {
    const { client, call } = await jobs();
    const made = [];
    for (const label of ["a", "b", "c", "d", "e"]) made.push(await call("schedule", { delayMs: 60_000 }, "record", { label }));
    const first = await call("listPage", null, null, 2);
    expect(first.schedules.map((s) => s.payload.label)).toEqual(["a", "b"]);
    expect(typeof first.nextCursor).toBe("string");
    const second = await call("listPage", null, first.nextCursor, 2);
    expect(second.schedules.map((s) => s.payload.label)).toEqual(["c", "d"]);
    const last = await call("listPage", null, second.nextCursor, 2);
    expect(last).toEqual({ schedules: [made[4]], nextCursor: null });
    // A filter applies to every page; a limit above the bound is read as the bound.
    const filtered = await call("listPage", { dueFrom: made[3].dueMs }, null, 1_000_000);
    expect(filtered).toEqual({ schedules: await call("list", { dueFrom: made[3].dueMs }), nextCursor: null });
    expect(filtered.schedules.map((s) => s.id)).toContain(made[4].id);
    await expect(call("listPage", null, "not-a-cursor", 2)).rejects.toThrow('"not-a-cursor" is not a cursor');
    // Over 1,000 schedules: get_schedules says to page; pages of 1,000 read them all.
    await call("scheduleMany", 1_000, 60_000);
    await expect(call("list")).rejects.toThrow("read them with get_schedules_page");
    const page = await call("listPage", null, null, 5_000);
    expect(page.schedules).toHaveLength(1_000);
    const rest = await call("listPage", null, page.nextCursor, 5_000);
    expect(rest.schedules).toHaveLength(5);
    expect(rest.nextCursor).toBeNull();
    expect(new Set([...page.schedules, ...rest.schedules].map((s) => s.id)).size).toBe(1_005);
    client.close();
  });

  it("pages by payload bytes too: at most 8 MiB of payloads a page", async () => {
    const { client, call } = await jobs();
    await call("scheduleBig", 20, 500_000, 3_600_000); // 20 payloads of ~500 kB, 10 MB in all
    const first = await call("listPage", null, null, 100);
    expect(first.schedules).toHaveLength(16); // 16 × 500,012 bytes ≤ 8 MiB < 17 ×
    const rest = await call("listPage", null, first.nextCursor, 100);
    expect(rest.schedules).toHaveLength(4);
    expect(rest.nextCursor).toBeNull();
    client.close();
  });

  it("runs due tasks whose payloads together pass the alarm's batch budget (4 MiB a batch)", async () => {
    const { client, call, stub } = await jobs();
    await call("scheduleBig", 20, 500_000, 0); // 10 MB of payloads, all due at once
    await runDurableObjectAlarm(stub);
    await expect.poll(() => call("runCount"), { timeout: 10_000 }).toBe(20);
    expect(await call("list")).toEqual([]);
    client.close();
  });

  it("has the rows of the tasks that ran gone before the next task of the same batch looks", async () => {
    const { client, call, stub } = await jobs();
    const at = (await call("now")) + 200;
    for (const label of ["a", "b", "c"]) await call("schedule", { atMs: at }, "record", { label });
    // Same task, payload and time as "a", idempotent: it must be a new schedule, not the row "a" ran from.
    await call("schedule", { atMs: at }, "again", { label: "a", atMs: at });
    await call("schedule", { atMs: at }, "census", { label: "census" });
    await new Promise((r) => setTimeout(r, 250));
    await runDurableObjectAlarm(stub);
    await expect.poll(async () => labels(await call("runs")), { timeout: 5_000 }).toContain("census:2");
    // census saw itself and the new "a"; the new "a" runs too.
    await expect.poll(async () => labels(await call("runs")).filter((l) => l === "a"), { timeout: 5_000 }).toEqual(["a", "a"]);
    await expect.poll(async () => (await call("list")).length, { timeout: 5_000 }).toBe(0);
    client.close();
  });

  it("never spins on a row that cannot be written at all", async () => {
    const { client, call, stub } = await jobs();
    await call("refuseBookkeeping", "wedged", ["DELETE", "UPDATE"]);
    await call("schedule", { delayMs: 0 }, "record", { label: "wedged" });
    await call("schedule", { delayMs: 0 }, "record", { label: "after-wedged" });
    await runDurableObjectAlarm(stub);
    await expect.poll(async () => labels(await call("runs")), { timeout: 5_000 }).toContain("after-wedged");
    // The wedged row ran once; the alarm waits for its backoff, not at once.
    expect(labels(await call("runs")).filter((l) => l === "wedged")).toEqual(["wedged"]);
    expect(await call("alarm")).toBeGreaterThan(await call("now"));
    client.close();
  });
});
