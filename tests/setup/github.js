// Starts the GitHub stand-in (tests/standin/github.mjs) for the runtime
// tests; vitest.config.js points the GitHub example's URLs at it.
import { startGithubStandin } from "../standin/github.mjs";

export const GITHUB_PORT = Number(process.env.AGENTS_GITHUB_PORT ?? 8798);

export default async function setup() {
  const standin = await startGithubStandin(GITHUB_PORT);
  return () => standin.stop();
}
