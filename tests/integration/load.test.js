// Many official AgentClients on one agent instance, each making state-changing calls one after another
// (the load benchmark's driver, bench/load.mjs, at a small size): no update is lost and every client ends
// with the final state. Its timings belong to the benchmark, not here.
import { describe, expect, inject, it } from "vitest";
import { concurrentIncrements, loadSectionOf, withLoadSection } from "../../bench/load.mjs";

describe("concurrent clients on one agent", () => {
  it("50 clients × 20 inc calls: no lost update, every client sees the final state", async () => {
    const result = await concurrentIncrements(inject("baseUrl"), { clients: 50, callsPerClient: 20, settleMs: 20_000 });
    expect(result).toMatchObject({ final: 1000, lost: 0, duplicates: 0, errors: 0, sawFinal: 50 });
  }, 60_000);

  it("the benchmark's section of bench/RESULTS.md is replaced in place, and found again", () => {
    const section = (n) => `<!-- load: bench/load.mjs writes this section -->\nrun ${n}\n<!-- /load -->`;
    const once = withLoadSection("# Results\n\n| a |\n", section(1));
    expect(once).toBe(`# Results\n\n| a |\n\n${section(1)}\n`);
    const twice = withLoadSection(once, section(2));
    expect(twice).toBe(`# Results\n\n| a |\n\n${section(2)}\n`);
    expect(loadSectionOf(twice)).toBe(section(2));
    expect(loadSectionOf("# Results")).toBeNull();
  });
});
