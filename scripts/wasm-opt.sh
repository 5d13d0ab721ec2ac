#!/usr/bin/env bash
# The wasm-opt worker-build runs (WASM_OPT_BIN in scripts/build.sh): first
# drops the exports of the classes the worker can never hand to JavaScript
# (scripts/drop-dead-classes.mjs), so that wasm-opt's passes remove the code
# only they reached; then binaryen's wasm-opt with worker-build's arguments
# (`<in.wasm> -o <out.wasm> …`; wasm-bindgen's glue is index.js beside it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
node "$root/scripts/drop-dead-classes.mjs" "$1" "$(dirname "$1")/index.js"
exec "$root/node_modules/.bin/wasm-opt" "$@"
