// Builds the fixture worker (tests/fixture) once before the runtime tests (the
// vitest pool does not run wrangler's [build] command). AGENTS_SKIP_BUILD=1
// reuses tests/fixture/build/.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export default function setup() {
  if (process.env.AGENTS_SKIP_BUILD === "1" && existsSync("tests/fixture/build/index.js")) return;
  execFileSync("bash", ["scripts/build.sh", "tests/fixture"], { stdio: "inherit" });
}
