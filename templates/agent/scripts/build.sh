#!/usr/bin/env bash
# Builds this worker into build/ (index.js, the wasm and its JS glue), as `wrangler dev` and `wrangler deploy` run it
# ([build] in wrangler.toml): release profile, panic=unwind, wasm-opt. `--no-opt` (or WORKERS_AGENTS_NO_OPT=1, which
# the tests set) skips wasm-opt: a faster build, a larger bundle. A build whose inputs (the sources and manifests of this crate and of every path dependency,
# Cargo.lock, these scripts, the options) are unchanged is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
opts=(--release --panic-unwind)
[[ "${WORKERS_AGENTS_NO_OPT:-}" == 1 ]] && opts+=(--no-opt)
for arg in "$@"; do
  case "$arg" in
    --no-opt) opts+=(--no-opt) ;;
    *) echo "build: unknown option $arg (only --no-opt)" >&2; exit 2 ;;
  esac
done
ensure_tools
# This crate's directory and those of its path dependencies (a framework checkout, when the dependency is a path).
crates() {
  cargo tree --edges normal,build --prefix none | sed -n 's|.*(\(/[^)]*\)).*|\1|p' | sort -u
}
inputs() {
  {
    echo "${opts[*]}"
    for crate in $(crates); do find "$crate/Cargo.toml" "$crate/src" -type f; done | sort -u | tr '\n' '\0' |
      xargs -0 sha256sum
    sha256sum Cargo.lock scripts/*.sh
  } | sha256sum | cut -d' ' -f1
}
stamp="$(inputs)"
if [[ -f build/index.js && -f build/.inputs && "$(cat build/.inputs)" == "$stamp" ]]; then
  echo "build: build/ is up to date with its inputs, reused"
  exit 0
fi
rm -f build/.inputs
export PATH="$NIGHTLY_SHIM:$PATH"
export WASM_BINDGEN_BIN="$AGENTS_TOOLS/bin/wasm-bindgen"
export WASM_OPT_BIN="$PWD/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$PWD/node_modules/.bin/esbuild"
"$AGENTS_TOOLS/bin/worker-build" "${opts[@]}" .
echo "$stamp" > build/.inputs
