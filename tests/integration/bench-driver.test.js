// The benchmark drivers measure correctly on a tiny workload.
import { describe, expect, inject, it } from "vitest";
import { measure } from "../../bench/schedule.mjs";

describe("scheduling benchmark driver", () => {
  it("schedules, waits for every task and reports lateness", async () => {
    const result = await measure(inject("baseUrl"), 20);
    expect(result).toMatchObject({ count: 20, fired: 20, early: 0 });
    expect(result.latenessP99Ms).toBeGreaterThanOrEqual(result.latenessP50Ms);
    expect(result.latenessMaxMs).toBeGreaterThanOrEqual(0);
    expect(result.scheduleUsPerOp).toBeGreaterThan(0);
  });
});
