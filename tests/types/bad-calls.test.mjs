// Proves bad.tsx bites: with its @ts-expect-error directives turned into
// plain comments, each line after one must fail with the error code the
// directive names, and no other line may fail. Run by `npm run test:types`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const dir = fileURLToPath(new URL(".", import.meta.url));
const bad = resolve(dir, "bad.tsx");
const DIRECTIVE = /\/\/ @ts-expect-error (TS\d+)/;

/** The diagnostics of the tsconfig.json program, with bad.tsx's text replaced by `text`. */
function diagnostics(text) {
  const { config } = ts.readConfigFile(resolve(dir, "tsconfig.json"), ts.sys.readFile);
  const { options, fileNames } = ts.parseJsonConfigFileContent(config, ts.sys, dir);
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile;
  host.readFile = (file) => (resolve(file) === bad ? text : readFile(file));
  return ts.getPreEmitDiagnostics(ts.createProgram(fileNames, options, host));
}

/** `line number: codes` of each line with errors, e.g. `"17: TS2345"`. */
function byLine(pairs) {
  const lines = new Map();
  for (const [line, code] of pairs) lines.set(line, new Set([...(lines.get(line) ?? []), code]));
  return [...lines].sort(([a], [b]) => a - b).map(([line, codes]) => `${line}: ${[...codes].sort().join(" ")}`);
}

function describe(diagnostic) {
  const where = diagnostic.file ? `${diagnostic.file.fileName}: ` : "";
  return `${where}TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`;
}

const source = readFileSync(bad, "utf8");
const lines = source.split("\n");

test("bad.tsx marks wrong uses, each with an error code", () => {
  assert.ok(lines.filter((l) => DIRECTIVE.test(l)).length >= 10);
  const unnamed = lines.filter((l) => l.includes("@ts-expect-error") && !DIRECTIVE.test(l));
  assert.deepEqual(unnamed, []);
});

test("without the directives, each marked line fails with its code and nothing else fails", () => {
  const expected = [];
  for (const [i, line] of lines.entries()) {
    const named = DIRECTIVE.exec(line);
    if (named) expected.push([i + 2, named[1]]);
  }
  const stripped = source.replaceAll("// @ts-expect-error", "// expected:");
  const found = diagnostics(stripped);
  const elsewhere = found.filter((d) => !d.file || resolve(d.file.fileName) !== bad);
  assert.deepEqual(elsewhere.map(describe), []);
  const actual = found.map((d) => [d.file.getLineAndCharacterOfPosition(d.start).line + 1, `TS${d.code}`]);
  assert.deepEqual(byLine(actual), byLine(expected));
});
