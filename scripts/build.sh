#!/usr/bin/env bash
# Builds the demo worker to build/ (index.js + wasm) with panic=unwind, using
# the tools scripts/setup-rust.sh installed (worker-build cannot download here).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-rust.sh >/dev/null
export WASM_BINDGEN_BIN="$PWD/.tools/bin/wasm-bindgen"
export WASM_OPT_BIN="$PWD/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$PWD/node_modules/.bin/esbuild"
exec "$PWD/.tools/bin/worker-build" --release --panic-unwind "$@"
