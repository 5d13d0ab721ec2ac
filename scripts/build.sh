#!/usr/bin/env bash
# Builds a worker crate to <dir>/build (index.js + wasm) with panic=unwind,
# using the tools scripts/setup-rust.sh installed (worker-build cannot
# download here). `bash scripts/build.sh` builds the demo (the root crate);
# `bash scripts/build.sh tests/fixture`, `bench/rust` or `examples/<name>`
# build those workers.
# An output whose inputs (the sources and manifests of every workspace crate
# that goes into the worker, the lock file, this script) are unchanged since
# it was built is reused: `wrangler deploy --dry-run` and `wrangler dev` run
# this again, and wasm-opt alone takes minutes.
# The fixture is built without wasm-opt: the tests do not need a small bundle.
# Other builds lose the wasm's function names (scripts/strip-wasm-names.mjs:
# about 23 KiB gzip on the benchmark worker); AGENTS_KEEP_WASM_NAMES=1 keeps
# them, for stack traces with names.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-.}"
out="$dir/build"
# The demo's build also writes the examples' TypeScript declarations
# (examples/*/agents.d.ts, as `npm run types` does) and its web page
# (web/ into web/dist/, the worker's static assets; a second or so).
if [[ "$dir" == . ]]; then
  cargo run -q -p agent-types
  node scripts/build-web.mjs
fi
opts=(--release --panic-unwind)
[[ "$dir" == tests/fixture ]] && opts+=(--no-opt)
# The directories of the workspace crates the worker is made of.
crates() {
  cargo tree --offline --manifest-path "$dir/Cargo.toml" --edges normal,build --prefix none |
    sed -n 's|.*(\(/[^)]*\)).*|\1|p' | sort -u
}
inputs() {
  {
    echo "$dir ${opts[*]} keep-names=${AGENTS_KEEP_WASM_NAMES:-0}"
    for crate in $(crates); do
      find "$crate/Cargo.toml" "$crate/src" -type f
    done | sort -u | tr '\n' '\0' | xargs -0 sha256sum
    sha256sum Cargo.toml Cargo.lock scripts/build.sh scripts/nightly.sh scripts/strip-wasm-names.mjs \
      scripts/wasm-opt.sh scripts/drop-dead-classes.mjs
  } | sha256sum | cut -d' ' -f1
}
stamp="$(inputs)"
if [[ -f "$out/index.js" && -f "$out/.inputs" && "$(cat "$out/.inputs")" == "$stamp" ]]; then
  echo "build: $out is up to date with its inputs, reused"
  exit 0
fi
rm -f "$out/.inputs"
bash scripts/setup-rust.sh >/dev/null
# worker-build asks for the floating `nightly`: the shim pins it (scripts/nightly.sh).
source scripts/nightly.sh
export PATH="$NIGHTLY_SHIM:$PATH"
export WASM_BINDGEN_BIN="$PWD/.tools/bin/wasm-bindgen"
export WASM_OPT_BIN="$PWD/scripts/wasm-opt.sh"
export ESBUILD_BIN="$PWD/node_modules/.bin/esbuild"
"$PWD/.tools/bin/worker-build" "${opts[@]}" "$dir"
if [[ "$dir" != tests/fixture && "${AGENTS_KEEP_WASM_NAMES:-0}" != 1 ]]; then
  node scripts/strip-wasm-names.mjs "$out/index_bg.wasm"
fi
echo "$stamp" > "$out/.inputs"
