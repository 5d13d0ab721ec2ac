// A React page and a plain client typed by agents.d.ts: this must compile.
// `Same` checks each type exactly, since an untyped `stub` or `call` would
// return `any`, which any plain annotation accepts.
import { AgentClient } from "agents/client";
import { useAgent } from "agents/react";
import { useState } from "react";
import type { Counter, CounterState } from "../../examples/counter/agents";

/** `true` only when `A` and `B` are the same type (`any` is no other type). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export function CounterPage({ name }: { name: string }) {
  const [seen, setSeen] = useState<number[]>([]);
  const agent = useAgent<Counter, CounterState>({
    agent: "counter",
    name,
    onStateUpdate: (state) => setSeen((previous) => [...previous, state.count]),
  });

  const incremented = agent.stub.increment(1);
  const byDefault = agent.stub.increment();
  const sum = agent.call("add", [1, 2]);
  const current = agent.call("get");
  const count = agent.state?.count;
  const checks: [
    Same<typeof incremented, Promise<number>>,
    Same<typeof byDefault, Promise<number>>,
    Same<typeof sum, Promise<number>>,
    Same<typeof current, Promise<number>>,
    Same<typeof count, number | undefined>,
  ] = [true, true, true, true, true];

  const countdown = async () => {
    // A streaming method: its chunks through `stream`, its final value as the result.
    const last = await agent.call("countdown", [3], { stream: { onChunk: (chunk) => console.log(chunk) } });
    const checked: Same<typeof last, string> = true;
    return checked;
  };

  return (
    <main>
      <p>{count ?? "none"}</p>
      <p>{seen.join(",")}</p>
      <button onClick={() => agent.setState({ count: 0 })}>reset</button>
      <button onClick={countdown}>countdown</button>
      <p hidden>{String(checks)}</p>
    </main>
  );
}

/** With the state type alone, `state` is typed and `call` is not. */
export function StatePage() {
  const agent = useAgent<CounterState>({ agent: "counter", name: "c1" });
  const count: number | undefined = agent.state?.count;
  return <p>{count}</p>;
}

/** `AgentClient` takes the state type from the agent's `state`. */
export async function plainClient(host: string): Promise<number> {
  const client = new AgentClient<Counter>({ agent: "counter", name: "c1", host });
  const total = await client.stub.add(2, 3);
  const fromCall = await client.call("increment", [total]);
  const state = client.state;
  const checks: [Same<typeof total, number>, Same<typeof fromCall, number>, Same<typeof state, CounterState | undefined>] =
    [true, true, true];
  return checks.length + fromCall;
}
