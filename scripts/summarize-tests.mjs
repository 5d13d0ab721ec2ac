// Prints one closing line for the whole run: "tests: N passed, M failed".
import { readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
let passed = 0;
let failed = 0;

for (const line of readFileSync(join(dir, "cargo.txt"), "utf8").split("\n")) {
  const m = line.match(/^test result: \w+\. (\d+) passed; (\d+) failed/);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
}
for (const file of ["workers.json", "integration.json", "template.json"]) {
  const report = JSON.parse(readFileSync(join(dir, file), "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
