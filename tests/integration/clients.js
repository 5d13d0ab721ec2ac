// Official AgentClient instances for a test file, closed after each test.
import { AgentClient } from "agents/client";
import { afterEach } from "vitest";

export const unique = (prefix) => `${prefix}-${crypto.randomUUID()}`;

export function clientsFor(host) {
  const open = [];
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  return (options) => {
    const c = new AgentClient({ host, ...options });
    open.push(c);
    return c;
  };
}
