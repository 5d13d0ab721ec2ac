// Wrong uses of the types in agents.d.ts, one a line, each after a directive
// that expects an error and names its code: tsc fails if one compiles, and
// bad-calls.test.mjs removes the directives to check the codes.
import { AgentClient } from "agents/client";
import { useAgent } from "agents/react";
import type { Counter, CounterState } from "../../examples/counter/agents";

export function WrongPage() {
  const agent = useAgent<Counter, CounterState>({
    agent: "counter",
    // @ts-expect-error TS2339 a state field that does not exist
    onStateUpdate: (state) => console.log(state.cnt),
  });

  // @ts-expect-error TS2345 wrong argument type
  agent.stub.increment("1");
  // @ts-expect-error TS2339 unknown method
  agent.stub.decrement();
  // @ts-expect-error TS2554 too few arguments
  agent.stub.add(1);
  // @ts-expect-error TS2554 too many arguments
  agent.stub.get(1);
  // @ts-expect-error TS2345 a streaming method's argument
  agent.stub.countdown("3");

  // @ts-expect-error TS2769 wrong argument type
  agent.call("add", ["1", 2]);
  // @ts-expect-error TS2769 unknown method
  agent.call("decrement", []);
  // @ts-expect-error TS2769 too few arguments
  agent.call("add", [1]);
  // @ts-expect-error TS2345 a method with arguments called without them
  agent.call("add");

  // @ts-expect-error TS2339 a state field that does not exist
  const field = agent.state?.cnt;
  // @ts-expect-error TS2322 a result is not what it is taken for
  const text: Promise<string> = agent.stub.get();
  // @ts-expect-error TS2322 state of the wrong type
  agent.setState({ count: "1" });
  return <p>{String(field) + String(text)}</p>;
}

export function WrongStatePage() {
  const agent = useAgent<CounterState>({ agent: "counter" });
  // @ts-expect-error TS2339 a state field that does not exist
  return <p>{agent.state?.total}</p>;
}

export async function wrongClient(host: string) {
  const client = new AgentClient<Counter>({ agent: "counter", host });
  // @ts-expect-error TS2345 wrong argument type
  await client.stub.add(1, "2");
  // @ts-expect-error TS2769 unknown method
  await client.call("reset", []);
  // @ts-expect-error TS2322 state of the wrong type
  client.setState({ count: null });
}
