// The official `useAgentChat` (agents/chat/react on @ai-sdk/react's useChat)
// in headless Chromium against the fixture's ChatProbe, served by `wrangler
// dev` and answering with the OpenAI-compatible stand-in
// (tests/standin/openai.mjs: "crawl" streams 30 pieces 150 ms apart, "slow"
// 20 pieces 40 ms apart, "anew" answers differently each time it is asked);
// and against the fixture's ToolChat (tests/fixture/src/tool_chat.rs), whose
// tools the stand-in calls when a message ends in `call:[...]` and whose
// results it echoes ("Tools said: <id>=<content>").
// The page is tests/browser/chat-app.jsx; screenshots go to test-artifacts/.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { bundlePage, launchChromium, screenshot, servePage } from "./browser.js";

const baseUrl = inject("baseUrl");
const host = new URL(baseUrl).host;
const CRAWL = Array.from({ length: 30 }, (_, i) => `step${i} `).join("");
const SLOW = Array.from({ length: 20 }, (_, i) => `word${i} `).join("");

let browser;
let server;
const pages = [];

beforeAll(async () => {
  server = await servePage(await bundlePage("chat-app.jsx"), (params) => ({
    host,
    name: params.get("name"),
    agent: params.get("agent") ?? undefined,
  }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

/**
 * A tab on the chat `name`, once its hook has loaded the history and its
 * first resume probe was answered. `frames` holds every frame the page's
 * sockets received (across reloads), parsed.
 */
async function openTab(name, agent) {
  const page = await browser.newPage();
  const errors = [];
  const frames = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("websocket", (socket) =>
    socket.on("framereceived", ({ payload }) => {
      try {
        frames.push(JSON.parse(payload));
      } catch {
        frames.push({ raw: String(payload) });
      }
    }),
  );
  await page.goto(`${server.origin}/?name=${encodeURIComponent(name)}${agent ? `&agent=${agent}` : ""}`);
  const tab = { page, errors, frames };
  pages.push(page);
  await settled(tab);
  return tab;
}

/** Waits until the page is connected and its resume probe was answered (idle, or resuming a live stream). */
async function settled(tab, since = 0) {
  await tab.page.waitForFunction(() => window.chatTest?.connected && window.chatTest.api);
  await expect
    .poll(() =>
      tab.frames
        .slice(since)
        .some((f) => f.type === "cf_agent_stream_resume_none" || f.type === "cf_agent_stream_resuming"),
    )
    .toBe(true);
}

const snapshot = (tab) =>
  tab.page.evaluate(() => {
    const { statuses, messages, mostAssistants, status, tools, error } = window.chatTest;
    return structuredClone({ statuses, messages, mostAssistants, status, tools, error });
  });
const messages = async (tab) => (await snapshot(tab)).messages;
const act = (tab, action, ...args) => tab.page.evaluate(([a, rest]) => window.chatTest.api[a](...rest), [action, args]);

/** Waits until the page's chat is ready with `count` messages, the last one an assistant's that passes `check`. */
async function answered(tab, count, check = () => true) {
  await expect
    .poll(
      async () => {
        const { status, messages } = await snapshot(tab);
        const last = messages.at(-1);
        return status === "ready" && messages.length === count && last.role === "assistant" && check(last.text);
      },
      { timeout: 15_000 },
    )
    .toBe(true);
}

async function history(name, agent = "chat-probe") {
  const response = await fetch(`${baseUrl}/agents/${agent}/${name}/get-messages`);
  expect(response.status).toBe(200);
  return (await response.json()).map((m) => ({
    id: m.id,
    role: m.role,
    text: m.parts
      .filter((p) => p.type === "text")
      .map((p) => p.text)
      .join(""),
  }));
}

const uniqueName = (prefix) => `${prefix}-${crypto.randomUUID()}`;

describe("useAgentChat in Chromium", () => {
  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => {});
  });

  it("goes ready -> submitted -> streaming -> ready, and shows the stored reply", async () => {
    const name = uniqueName("status");
    const tab = await openTab(name);
    await tab.page.evaluate(() => (window.chatTest.statuses = []));
    expect((await snapshot(tab)).status).toBe("ready");
    await act(tab, "send", "hello slow");
    await answered(tab, 2, (text) => text === SLOW);
    expect((await snapshot(tab)).statuses).toEqual(["submitted", "streaming", "ready"]);
    const shown = await messages(tab);
    expect(shown.map((m) => [m.role, m.text])).toEqual([
      ["user", "hello slow"],
      ["assistant", SLOW],
    ]);
    expect(await history(name)).toEqual(shown);
    await screenshot(tab.page, "chat-status");
    expect(tab.errors).toEqual([]);
  });

  it("resumes a reply after a reload mid-stream, without duplicated text, and ends with it once", async () => {
    const name = uniqueName("reload-live");
    const tab = await openTab(name);
    await act(tab, "send", "please crawl");
    await expect.poll(async () => (await messages(tab)).at(-1)?.text ?? "", { timeout: 10_000 }).toContain("step3 ");
    const before = tab.frames.length;
    await tab.page.reload();
    await settled(tab, before);
    // While it streams on, the page never shows the text twice.
    const seen = [];
    await expect
      .poll(
        async () => {
          const shown = await messages(tab);
          seen.push(shown);
          return shown.at(-1)?.text === CRAWL && (await snapshot(tab)).status === "ready";
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBe(true);
    for (const shown of seen) {
      expect(shown.filter((m) => m.role === "assistant").length).toBeLessThanOrEqual(1);
      const text = shown.find((m) => m.role === "assistant")?.text ?? "";
      expect(CRAWL.startsWith(text)).toBe(true);
    }
    // The reload happened while the reply streamed: the new socket was offered the live stream, got it
    // replayed, then the live rest.
    const after = tab.frames.slice(before).filter((f) => f.type !== "cf_agent_use_chat_response" || !f.done);
    const resuming = after.findIndex((f) => f.type === "cf_agent_stream_resuming");
    expect(resuming).toBeGreaterThanOrEqual(0);
    const chunks = after.slice(resuming).filter((f) => f.type === "cf_agent_use_chat_response");
    expect(chunks.some((f) => f.replay === true)).toBe(true);
    expect(chunks.some((f) => f.replay !== true)).toBe(true);
    expect(new Set(chunks.map((f) => f.seq)).size).toBe(chunks.length);
    expect((await snapshot(tab)).mostAssistants).toBe(1);
    const shown = await messages(tab);
    expect(shown.map((m) => [m.role, m.text])).toEqual([
      ["user", "please crawl"],
      ["assistant", CRAWL],
    ]);
    expect(await history(name)).toEqual(shown);
    expect(tab.errors).toEqual([]);
  });

  it("shows the history after a reload once the reply is complete", async () => {
    const name = uniqueName("reload-done");
    const tab = await openTab(name);
    await act(tab, "send", "remember me");
    await answered(tab, 2);
    const shown = await messages(tab);
    const before = tab.frames.length;
    await tab.page.reload();
    await settled(tab, before);
    expect(tab.frames.slice(before).some((f) => f.type === "cf_agent_stream_resume_none")).toBe(true);
    await expect.poll(() => messages(tab)).toEqual(shown);
    expect(shown.map((m) => [m.role, m.text])).toEqual([
      ["user", "remember me"],
      ["assistant", "You said: remember me (2 messages)"],
    ]);
    expect(await tab.page.locator("#messages li").allTextContents()).toEqual([
      "user: remember me",
      "assistant: You said: remember me (2 messages)",
    ]);
    expect(tab.errors).toEqual([]);
  });

  it("stop() keeps the partial text, and the stored message is what the page shows", async () => {
    const name = uniqueName("stop");
    const tab = await openTab(name);
    await act(tab, "send", "crawl then stop");
    await expect.poll(async () => (await messages(tab)).at(-1)?.text ?? "", { timeout: 10_000 }).toContain("step2 ");
    await act(tab, "stop");
    await expect.poll(async () => (await snapshot(tab)).status).toBe("ready");
    // The server ended the turn as cancelled (the hook sent cf_agent_chat_request_cancel).
    await expect
      .poll(() => tab.frames.filter((f) => f.type === "cf_agent_use_chat_response" && f.done).map((f) => f.outcome))
      .toEqual(["aborted"]);
    const stored = await history(name);
    expect(stored).toHaveLength(2);
    const partial = stored[1].text;
    expect(partial.length).toBeGreaterThan(0);
    expect(CRAWL.startsWith(partial) && partial !== CRAWL).toBe(true);
    // Nothing arrives after the stop: what the page shows stays the stored partial.
    await new Promise((r) => setTimeout(r, 600));
    expect(await messages(tab)).toEqual(stored);
    await screenshot(tab.page, "chat-stopped");
    expect(tab.errors).toEqual([]);
  });

  it("clearHistory() empties a second tab", async () => {
    const name = uniqueName("clear");
    const first = await openTab(name);
    const second = await openTab(name);
    await act(first, "send", "hello both");
    await answered(first, 2);
    await answered(second, 2);
    expect(await messages(second)).toEqual(await messages(first));
    await act(first, "clear");
    await expect.poll(() => messages(second)).toEqual([]);
    // The page re-renders when React gets to it: on a loaded machine, after the other tab.
    await expect.poll(() => messages(first)).toEqual([]);
    expect(await history(name)).toEqual([]);
    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
  });

  it("a second tab sees the reply stream live and ends with exactly one assistant message", async () => {
    const name = uniqueName("watch");
    const first = await openTab(name);
    const second = await openTab(name);
    await act(first, "send", "crawl for two");
    // The watching tab shows part of the reply while it still streams.
    await expect
      .poll(
        async () => {
          const text = (await messages(second)).find((m) => m.role === "assistant")?.text ?? "";
          return text.length > 0 && text !== CRAWL && (await snapshot(first)).status === "streaming";
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(true);
    await answered(first, 2, (text) => text === CRAWL);
    await expect.poll(async () => (await messages(second)).at(-1)?.text, { timeout: 10_000 }).toBe(CRAWL);
    const watched = await messages(second);
    expect(watched).toEqual(await messages(first));
    expect(watched.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect((await snapshot(second)).mostAssistants).toBe(1);
    expect(await history(name)).toEqual(watched);
    await screenshot(second.page, "chat-second-tab");
    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
  });

  it("regenerate() replaces the answer: one assistant message, with the new text", async () => {
    const name = uniqueName("regenerate");
    const tab = await openTab(name);
    // The stand-in counts the askings of one text: this test's own.
    const question = `ask anew (${name})`;
    await act(tab, "send", question);
    await answered(tab, 2, (text) => text === `Answer 1 to ${question}`);
    const [, old] = await messages(tab);
    await act(tab, "regenerate");
    await answered(tab, 2, (text) => text === `Answer 2 to ${question}`);
    const shown = await messages(tab);
    expect(shown[1].id).not.toBe(old.id);
    expect(shown.map((m) => [m.role, m.text])).toEqual([
      ["user", question],
      ["assistant", `Answer 2 to ${question}`],
    ]);
    expect((await snapshot(tab)).mostAssistants).toBe(1);
    expect(await history(name)).toEqual(shown);
    expect(tab.errors).toEqual([]);
  });
});

describe("the demo page's chat panel (web/src/travel.jsx) in Chromium", () => {
  let panelServer;
  beforeAll(async () => {
    const style = readFileSync(new URL("../../web/style.css", import.meta.url), "utf8");
    const config = (params) => ({ host, name: params.get("name"), agent: params.get("agent") });
    panelServer = await servePage(await bundlePage("panel-app.jsx"), config, style);
  });
  afterAll(() => panelServer?.close());

  async function openPanel(agent, name) {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${panelServer.origin}/?agent=${agent}&name=${encodeURIComponent(name)}`);
    pages.push(page);
    return { page, errors };
  }
  const bubbles = (page) =>
    page.$$eval("#travel-messages .bubble", (nodes) => nodes.map((n) => [n.className.replace("bubble ", ""), n.textContent]));

  it("streams a reply into its bubbles, keeps the conversation over a reload, and clears it", async () => {
    const name = uniqueName("panel");
    const { page, errors } = await openPanel("ChatProbe", name);
    const send = page.locator('#travel button[type="submit"]');
    await expect.poll(() => send.isEnabled(), { timeout: 10_000 }).toBe(true);
    await page.fill('#travel input[aria-label="message to the travel agent"]', "hello slow");
    await send.click();
    // While the reply streams the panel offers Stop instead of Send.
    await page.locator('#travel button:has-text("Stop")').waitFor({ timeout: 5_000 });
    await expect.poll(() => bubbles(page), { timeout: 10_000 }).toEqual([
      ["user", "hello slow"],
      ["assistant", SLOW],
    ]);
    await page.locator('#travel button:has-text("Send")').waitFor();
    await page.reload();
    await expect.poll(() => bubbles(page), { timeout: 10_000 }).toEqual([
      ["user", "hello slow"],
      ["assistant", SLOW],
    ]);
    await screenshot(page, "panel-chat");
    await expect.poll(() => page.locator('#travel button:has-text("Clear")').isEnabled()).toBe(true);
    await page.click('#travel button:has-text("Clear")');
    await expect.poll(() => bubbles(page)).toEqual([]);
    await expect.poll(() => history(name)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("tells the agent is missing when the worker has no such class", async () => {
    const { page, errors } = await openPanel("NoSuchAgent", uniqueName("panel"));
    const notice = page.locator("#travel-missing");
    await notice.waitFor({ timeout: 10_000 });
    const text = await notice.textContent();
    expect(text).toContain("/agents/no-such-agent/");
    expect(text).toContain("answered 400");
    expect(text).toContain("NoSuchAgent");
    expect(await page.locator("#travel-messages").count()).toBe(0);
    expect(errors).toEqual([]);
  });
});

describe("useAgentChat with tools (the fixture's ToolChat) in Chromium", () => {
  // The hook resumes a tool continuation through the AI SDK's "resume-stream"; with ai 7 it extends the
  // message whose approval was answered (ai 6 started a new one, and the page failed with "No tool invocation
  // found"), and the transcript the agent sends after a continuation to every connection, the requester too,
  // leaves the page with the stored message.
  const calls = (...list) => `call:${JSON.stringify(list.map(([name, args]) => ({ name, arguments: args })))}`;
  const DENIED = "The user denied this tool call; it did not run.";
  const tools = async (tab) => (await snapshot(tab)).tools.flat();
  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => {});
  });

  /** Waits until the chat is ready and its newest tool part is in `state`; returns that part. */
  async function toolIn(tab, state) {
    await expect
      .poll(async () => (await snapshot(tab)).status === "ready" && (await tools(tab)).at(-1)?.state, { timeout: 15_000 })
      .toBe(state);
    return (await tools(tab)).at(-1);
  }

  /** Asks ToolChat to book `flight`; waits for the approval request the page shows. */
  async function askToBook(tab, flight) {
    await act(tab, "send", `book ${calls(["book_flight", { flight_id: flight }])}`);
    return toolIn(tab, "approval-requested");
  }

  /** The stored conversation: one assistant message whose tool part and text are these. */
  async function storedOnce(name, toolCallId, state, text) {
    await expect
      .poll(async () => (await history(name, "tool-chat")).at(-1)?.text, { timeout: 15_000 })
      .toBe(text);
    const stored = await (await fetch(`${baseUrl}/agents/tool-chat/${name}/get-messages`)).json();
    expect(stored.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(stored[1].parts.find((p) => p.toolCallId === toolCallId).state).toBe(state);
    return stored;
  }

  /** The page after an approval's continuation, and after a reload: the stored message, and no error. */
  async function afterContinuation(tab, name, toolCallId, state, text) {
    const stored = await storedOnce(name, toolCallId, state, text);
    await expect.poll(() => messages(tab), { timeout: 15_000 }).toEqual(await history(name, "tool-chat"));
    await expect.poll(async () => (await snapshot(tab)).status).toBe("ready");
    expect((await snapshot(tab)).error).toBeNull();
    expect((await tools(tab)).map((p) => p.state)).toEqual([state]);
    const before = tab.frames.length;
    await tab.page.reload();
    await settled(tab, before);
    await expect.poll(() => messages(tab)).toEqual(await history(name, "tool-chat"));
    expect((await tools(tab)).map((p) => p.state)).toEqual([state]);
    return stored;
  }

  it("approve: the tool runs and the model continues in one assistant message, stored and shown", async () => {
    const name = uniqueName("approve");
    const tab = await openTab(name, "ToolChat");
    const asked = await askToBook(tab, "F1");
    expect(asked).toMatchObject({ name: "book_flight", approval: { id: expect.any(String) } });
    await act(tab, "approve", true);
    // The hook told the server, which ran the tool and continued.
    await expect
      .poll(() => tab.frames.some((f) => f.type === "cf_agent_use_chat_response" && f.continuation && f.done))
      .toBe(true);
    const stored = await afterContinuation(tab, name, asked.toolCallId, "output-available", `Tools said: ${asked.toolCallId}={"booked":"F1"}`);
    expect(stored[1].parts.find((p) => p.toolCallId === asked.toolCallId).output).toEqual({ booked: "F1" });
    await screenshot(tab.page, "chat-tool-approved");
    expect(tab.errors).toEqual([]);
  });

  it("deny: the model's text answer, and the tool never ran", async () => {
    const name = uniqueName("deny");
    const tab = await openTab(name, "ToolChat");
    const asked = await askToBook(tab, "F2");
    await act(tab, "approve", false);
    await afterContinuation(tab, name, asked.toolCallId, "output-denied", `Tools said: ${asked.toolCallId}=${DENIED}`);
    expect(tab.errors).toEqual([]);
  });

  it("approve after a reload: the request comes back from the history and is answered", async () => {
    const name = uniqueName("approve-reload");
    const tab = await openTab(name, "ToolChat");
    const asked = await askToBook(tab, "F3");
    const before = tab.frames.length;
    await tab.page.reload();
    await settled(tab, before);
    const shown = await toolIn(tab, "approval-requested");
    expect(shown).toMatchObject({ toolCallId: asked.toolCallId, approval: { id: asked.approval.id } });
    await act(tab, "approve", true);
    await afterContinuation(tab, name, asked.toolCallId, "output-available", `Tools said: ${asked.toolCallId}={"booked":"F3"}`);
    expect(tab.errors).toEqual([]);
  });

  it("a browser tool auto-continues and never stays submitted", async () => {
    const name = uniqueName("browser-tool");
    const tab = await openTab(name, "ToolChat");
    await tab.page.evaluate(() => (window.chatTest.statuses = []));
    await act(tab, "send", `where am I ${calls(["get_user_location", {}])}`);
    // The page's onToolCall answers; the hook sends the result and the turn continues by itself, to ready.
    await expect
      .poll(async () => (await messages(tab)).at(-1)?.text ?? "", { timeout: 15_000 })
      .toMatch(/^Tools said: call_\d+_0=\{"city":"Oslo"\}$/);
    await expect.poll(async () => (await snapshot(tab)).status).toBe("ready");
    const { statuses, error } = await snapshot(tab);
    expect(statuses.at(-1)).toBe("ready");
    expect(error).toBeNull();
    const [part] = await tools(tab);
    expect(part).toMatchObject({ name: "get_user_location", state: "output-available", output: { city: "Oslo" } });
    // The continuation was announced to this socket (stream_resuming), not left pending.
    expect(tab.frames.some((f) => f.type === "cf_agent_stream_resuming")).toBe(true);
    const stored = await storedOnce(name, part.toolCallId, "output-available", `Tools said: ${part.toolCallId}={"city":"Oslo"}`);
    expect(stored[1].parts.map((p) => p.type)).toEqual(["step-start", "tool-get_user_location", "step-start", "text"]);
    // The page, live: the stored conversation, one assistant message; and the same after a reload.
    await expect.poll(() => messages(tab), { timeout: 15_000 }).toEqual(await history(name, "tool-chat"));
    const before = tab.frames.length;
    await tab.page.reload();
    await settled(tab, before);
    await expect.poll(() => messages(tab)).toEqual(await history(name, "tool-chat"));
    await screenshot(tab.page, "chat-browser-tool");
    expect(tab.errors).toEqual([]);
  });
});
