#!/usr/bin/env bash
# Builds the demo worker to build/ (index.js + wasm) with panic=unwind, using
# the tools scripts/setup-rust.sh installed (worker-build cannot download here).
# `bash scripts/build.sh bench/rust` builds the benchmark worker instead.
# An output whose inputs (Rust sources, manifests, this script) are unchanged
# since it was built is reused: `wrangler deploy --dry-run` and `wrangler dev`
# run this again, and wasm-opt alone takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.}/build"
inputs() {
  {
    echo "$*"
    find Cargo.toml Cargo.lock rustfmt.toml scripts/build.sh crates src "${1:-src}" -type f \
      -not -path '*/build/*' -not -path '*/target/*' -not -path '*/node_modules/*' -print0 |
      sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}
stamp="$(inputs "$@")"
if [[ -f "$out/index.js" && -f "$out/.inputs" && "$(cat "$out/.inputs")" == "$stamp" ]]; then
  echo "build: $out is up to date with its inputs, reused"
  exit 0
fi
rm -f "$out/.inputs"
bash scripts/setup-rust.sh >/dev/null
export WASM_BINDGEN_BIN="$PWD/.tools/bin/wasm-bindgen"
export WASM_OPT_BIN="$PWD/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$PWD/node_modules/.bin/esbuild"
"$PWD/.tools/bin/worker-build" --release --panic-unwind "$@"
echo "$stamp" > "$out/.inputs"
