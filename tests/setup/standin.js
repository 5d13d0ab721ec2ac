// Starts the OpenAI-compatible stand-in (tests/standin/openai.mjs) for the
// runtime tests; vitest.config.js points the fixture's AI configuration at it.
import { startStandin } from "../standin/openai.mjs";

export const STANDIN_PORT = Number(process.env.AGENTS_AI_PORT ?? 8796);

export default async function setup() {
  const standin = await startStandin(STANDIN_PORT);
  return () => standin.stop();
}
