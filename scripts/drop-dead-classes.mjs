// Removes from a worker's wasm the exports of the classes it can never hand
// to JavaScript; wasm-opt then removes the code only they reached. The `worker` crate and wasm-streams
// export classes (ContainerStartupOptions, MinifyConfig, R2Range,
// IntoUnderlyingSource/Sink/ByteSource) whose methods every build carries,
// though JavaScript only gets an instance of one when Rust code passes it
// one (through the wasm import `__wbg_<class>_new`, which the glue answers
// with `Class.__wrap`) or constructs one (an `<class>_new` export). A worker
// that has neither for a class cannot call that class's methods; this drops
// them.
// scripts/wasm-opt.sh runs this before wasm-opt on every optimized build.
//
//   node scripts/drop-dead-classes.mjs <file.wasm> <its wasm-bindgen glue.js>
import { readFileSync, writeFileSync } from "node:fs";
import { sections } from "./strip-wasm-names.mjs";

function leb128(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

function encodeLeb128(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}

/** The export section's entries: `{ name, bytes }` (bytes: the whole entry). */
export function exportsOf(wasm) {
  const section = sections(wasm).find((s) => s.id === 7);
  if (!section) return [];
  const bytes = section.bytes;
  let [, at] = leb128(bytes, 1);
  let count;
  [count, at] = leb128(bytes, at);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const start = at;
    let length;
    [length, at] = leb128(bytes, at);
    const name = new TextDecoder().decode(bytes.subarray(at, at + length));
    at += length + 1; // the name, then the kind byte
    [, at] = leb128(bytes, at); // the index
    entries.push({ name, bytes: bytes.subarray(start, at) });
  }
  return entries;
}

/** `wasm` with the exports `drop` names left out; every other section byte for byte. */
export function withoutExports(wasm, drop) {
  const kept = exportsOf(wasm).filter((entry) => !drop.has(entry.name));
  const body = Buffer.concat([encodeLeb128(kept.length), ...kept.map((entry) => entry.bytes)]);
  const section = Buffer.concat([Buffer.from([7]), encodeLeb128(body.length), body]);
  const rest = sections(wasm).map((s) => (s.id === 7 ? section : s.bytes));
  return Buffer.concat([wasm.subarray(0, 8), ...rest]);
}

/** The exports of classes the glue can never hold an instance of. */
export function deadClassExports(names, glue) {
  const classes = names.map((name) => name.match(/^__wbg_([a-z0-9]+)_free$/)?.[1]).filter(Boolean);
  const dead = new Set();
  for (const cls of classes) {
    // A constructor JavaScript may call, or the import through which Rust hands one over (`Class.__wrap`).
    if (names.includes(`${cls}_new`) || glue.includes(`__wbg_${cls}_new`)) continue;
    const own = new RegExp(`^(__wbg_${cls}_free|__wbg_(get|set)_${cls}_.+|${cls}_.+)$`);
    for (const name of names) if (own.test(name)) dead.add(name);
  }
  return dead;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, glueFile] = process.argv.slice(2);
  if (!file || !glueFile) {
    console.error("usage: node scripts/drop-dead-classes.mjs <file.wasm> <its wasm-bindgen glue.js>");
    process.exit(2);
  }
  const wasm = readFileSync(file);
  const dead = deadClassExports(exportsOf(wasm).map((e) => e.name), readFileSync(glueFile, "utf8"));
  if (dead.size) writeFileSync(file, withoutExports(wasm, dead));
  console.log(`drop-dead-classes: ${file}: ${dead.size} exports dropped`);
}
