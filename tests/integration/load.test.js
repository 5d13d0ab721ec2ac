// Many official AgentClients on one agent instance, each making state-changing calls one after another
// (the load benchmark's driver, bench/load.mjs, at a small size): no update is lost and every client ends
// with the final state. Its timings belong to the benchmark, not here.
import { describe, expect, inject, it } from "vitest";
import { concurrentIncrements } from "../../bench/load.mjs";
import { section as marked, sectionOf, sectionsOf, withSection } from "../../bench/lib/sections.mjs";

describe("concurrent clients on one agent", () => {
  it("50 clients × 20 inc calls: no lost update, every client sees the final state", async () => {
    const result = await concurrentIncrements(inject("baseUrl"), { clients: 50, callsPerClient: 20, settleMs: 20_000 });
    expect(result).toMatchObject({ final: 1000, lost: 0, duplicates: 0, errors: 0, sawFinal: 50 });
  }, 60_000);

  it("a benchmark's own section of bench/RESULTS.md is replaced in place and found again, and leaves the others", () => {
    const section = (n) => `<!-- load: bench/load.mjs writes this section -->\nrun ${n}\n<!-- /load -->`;
    expect(marked("load", ["run 1"])).toBe(section(1));
    const once = withSection("# Results\n\n| a |\n", "load", section(1));
    expect(once).toBe(`# Results\n\n| a |\n\n${section(1)}\n`);
    const twice = withSection(once, "load", section(2));
    expect(twice).toBe(`# Results\n\n| a |\n\n${section(2)}\n`);
    expect(sectionOf(twice, "load")).toBe(section(2));
    expect(sectionOf("# Results", "load")).toBeNull();
    const both = withSection(twice, "chat", marked("chat", ["chat 1"]));
    expect(sectionsOf(both, ["load", "chat"])).toEqual([section(2), marked("chat", ["chat 1"])]);
    expect(sectionOf(withSection(both, "chat", marked("chat", ["chat 2"])), "load")).toBe(section(2));
  });
});
