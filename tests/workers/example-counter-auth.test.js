// The demo's auth (examples/counter/src/auth.rs), on every path into a
// `private-*` instance: the router's agent routes, the chat rooms' second
// mount, the worker's own `/api/counter/...` route; and the identity the hooks
// hand an agent (`x-demo-user`), which a client cannot supply.
import { describe, expect, it } from "vitest";
import { FrameClient, fetchWorker, uniqueName } from "./frames.js";

const BEARER = { authorization: "Bearer letmein" };
const FORGED = { "x-demo-user": "mallory" };

/** A WebSocket to `path` opened with extra request headers. */
async function connectWith(path, headers) {
  const response = await fetchWorker(path, { headers: { Upgrade: "websocket", ...headers } });
  if (response.status !== 101) throw new Error(`upgrade of ${path}: ${response.status} ${await response.text()}`);
  response.webSocket.accept();
  return new FrameClient(response.webSocket);
}

/** The user the agent (Probe) saw on connect. */
async function userOnConnect(path, headers) {
  const client = await connectWith(path, headers);
  await client.handshake();
  client.send("whoami");
  const user = (await client.ofType("whoami")).visitor.user;
  client.close();
  return user;
}

describe("example: counter auth, on every path into a private instance", () => {
  it("guards the worker's own route (/api/counter/...) as the router's hooks do", async () => {
    const name = uniqueName("private");
    for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: "letmein" }]) {
      const refused = await fetchWorker(`/api/counter/${name}/increment`, { method: "POST", headers });
      expect(refused.status, JSON.stringify(headers)).toBe(401);
    }
    expect((await fetchWorker(`/api/counter/${name}/call-missing`, { method: "POST" })).status).toBe(401);
    const admitted = await fetchWorker(`/api/counter/${name}/increment`, { method: "POST", headers: BEARER });
    // The refused calls changed nothing.
    expect(await admitted.json()).toEqual({ count: 1 });
  });

  it("refuses /api names the router would read differently, and methods other than POST", async () => {
    // `private%2D…` is `private-…` to the router (it decodes names): the api takes plain names only.
    const encoded = await fetchWorker(`/api/counter/private%2D${crypto.randomUUID()}/increment`, { method: "POST" });
    expect(encoded.status).toBe(400);
    expect(await encoded.text()).toContain("letters, digits");
    const long = await fetchWorker(`/api/counter/${"n".repeat(65)}/increment`, { method: "POST" });
    expect(long.status).toBe(400);
    expect(await long.text()).toContain("at most 64");
    const get = await fetchWorker(`/api/counter/${uniqueName("public")}/increment`);
    expect(get.status).toBe(405);
  });

  it("guards the chat rooms' second mount (/rooms/...), the same instances as /agents/chat-room/...", async () => {
    const room = uniqueName("private");
    expect((await fetchWorker(`/rooms/chat-room/${room}/history`)).status).toBe(401);
    expect((await fetchWorker(`/rooms/chat-room/${room}`, { headers: { Upgrade: "websocket" } })).status).toBe(401);
    const ok = await fetchWorker(`/rooms/chat-room/${room}/history`, { headers: BEARER });
    expect(ok.status).toBe(200);
    const client = await connectWith(`/rooms/chat-room/${room}?token=letmein`, {});
    await client.handshake();
    client.close();
  });

  it("hands the agent an identity over HTTP that only the hook sets", async () => {
    const forgedPublic = await fetchWorker(`/agents/probe/${uniqueName("public")}/user`, { headers: FORGED });
    expect(await forgedPublic.json()).toEqual({ user: null });
    const forgedPrivate = await fetchWorker(`/agents/probe/${uniqueName("private")}/user`, {
      headers: { ...FORGED, ...BEARER },
    });
    expect(await forgedPrivate.json()).toEqual({ user: "letmein-user" });
  });

  it("hands the agent an identity on connect that only the hook sets", async () => {
    expect(await userOnConnect(`/agents/probe/${uniqueName("public")}`, FORGED)).toBeNull();
    expect(await userOnConnect(`/agents/probe/${uniqueName("private")}?token=letmein`, FORGED)).toBe("letmein-user");
  });

  it("passes an admitted request's body on to the agent", async () => {
    const response = await fetchWorker(`/agents/assistant/${uniqueName("private")}/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", ...BEARER },
      body: JSON.stringify({ prompt: "hi there" }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    await response.text();
  });
});
