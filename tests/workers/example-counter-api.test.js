// The counter example's worker-side calls (`/api/counter/...`, examples/counter).
import { describe, expect, it } from "vitest";
import { fetchWorker, uniqueName } from "./frames.js";

describe("example: counter, called by the worker (get_agent_by_name)", () => {
  it("lets the worker call an agent's callable methods", async () => {
    const name = uniqueName("stub");
    const first = await (await fetchWorker(`/api/counter/${name}/increment`, { method: "POST" })).json();
    const second = await (await fetchWorker(`/api/counter/${name}/increment`, { method: "POST" })).json();
    expect([first, second]).toEqual([{ count: 1 }, { count: 2 }]);
  });

  it("reports a callee's error", async () => {
    const response = await fetchWorker(`/api/counter/${uniqueName("stub")}/call-missing`, { method: "POST" });
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("call to missing failed: Method missing does not exist");
  });
});
