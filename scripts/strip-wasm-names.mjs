// Removes the "name" custom section (function names, for stack traces) from a
// wasm file in place. worker-build keeps it on purpose (`wasm-opt --debuginfo`);
// on the benchmark worker it is a quarter of the raw wasm and about 23 KiB of
// the gzip bundle. A panic's message and location do not need it (the panic
// hook prints them); stack traces show `wasm-function[N]` instead of names.
// scripts/build.sh runs this on every optimized build unless
// AGENTS_KEEP_WASM_NAMES=1.
//
//   node scripts/strip-wasm-names.mjs <file.wasm>
import { readFileSync, writeFileSync } from "node:fs";

/** Reads an unsigned LEB128 at `at`: [value, offset after it]. */
function leb128(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (at >= bytes.length) throw new Error("truncated LEB128");
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
    if (shift > 35) throw new Error("LEB128 too long for a section size");
  }
}

/** The sections of `wasm` in order: `{ id, name, bytes }` (`name` for custom sections, `bytes` the whole section). */
export function sections(wasm) {
  const magic = [0x00, 0x61, 0x73, 0x6d];
  if (wasm.length < 8 || magic.some((b, i) => wasm[i] !== b)) throw new Error("not a wasm module");
  const found = [];
  let at = 8;
  while (at < wasm.length) {
    const start = at;
    const id = wasm[at];
    const [size, body] = leb128(wasm, at + 1);
    const end = body + size;
    if (end > wasm.length) throw new Error(`section ${id} at ${start} runs past the end`);
    let name;
    if (id === 0) {
      const [length, text] = leb128(wasm, body);
      name = new TextDecoder().decode(wasm.subarray(text, text + length));
    }
    found.push({ id, name, bytes: wasm.subarray(start, end) });
    at = end;
  }
  return found;
}

/** `wasm` without its "name" custom section(s); the other sections byte for byte. */
export function withoutNames(wasm) {
  const kept = sections(wasm).filter((section) => !(section.id === 0 && section.name === "name"));
  return Buffer.concat([wasm.subarray(0, 8), ...kept.map((section) => section.bytes)]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: node scripts/strip-wasm-names.mjs <file.wasm>");
    process.exit(2);
  }
  const before = readFileSync(file);
  const after = withoutNames(before);
  writeFileSync(file, after);
  console.log(`strip-wasm-names: ${file} ${before.length} → ${after.length} bytes`);
}
