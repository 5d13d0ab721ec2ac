#!/usr/bin/env bash
# The tools that build this worker, found or installed once per user and reused (sourced by setup.sh and build.sh):
# - the wasm32 target, and the nightly toolchain $NIGHTLY with rust-src and the wasm32 target (rustup): panic=unwind
#   builds need them (a panic then reaches the caller as an error, instead of a request that never completes);
# - the wasm-bindgen CLI of exactly the version Cargo.lock names, and worker-build, in $WORKERS_AGENTS_TOOLS/bin
#   when that is set (a workers-agents checkout's .tools, for one), else ~/.cache/workers-agents/bin;
# - wasm-opt and esbuild from node_modules (npm packages binaryen and esbuild).
NIGHTLY="__NIGHTLY__"
WORKER_BUILD_VERSION="__WORKER_BUILD_VERSION__"
AGENTS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/workers-agents"
AGENTS_TOOLS="${WORKERS_AGENTS_TOOLS:-$AGENTS_CACHE}"
# worker-build --panic-unwind asks rustup for the floating `nightly`: `cargo`, `rustc` and `rustup` in this directory
# run the real ones with `nightly` replaced by $NIGHTLY.
NIGHTLY_SHIM="$AGENTS_CACHE/nightly-shim-$NIGHTLY"

# The wasm-bindgen version of Cargo.lock (written first if missing).
wasm_bindgen_version() {
  [[ -f Cargo.lock ]] || cargo generate-lockfile -q
  awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock
}

# Whether $AGENTS_TOOLS/bin/$1 is there and says version $2.
have_tool() { [[ -x "$AGENTS_TOOLS/bin/$1" ]] && "$AGENTS_TOOLS/bin/$1" --version 2>/dev/null | grep -qF "$2"; }

write_nightly_shim() {
  local real tool
  real="$(dirname "$(command -v rustup)")"
  mkdir -p "$NIGHTLY_SHIM"
  for tool in cargo rustc rustup; do
    [[ -x "$NIGHTLY_SHIM/$tool" ]] && continue
    cat > "$NIGHTLY_SHIM/$tool.tmp" <<SHIM
#!/usr/bin/env bash
# Written by scripts/tools.sh: runs $tool with \`nightly\` pinned to $NIGHTLY.
args=()
for arg in "\$@"; do
  case "\$arg" in
    +nightly) args+=("+$NIGHTLY") ;;
    nightly) args+=("$NIGHTLY") ;;
    *) args+=("\$arg") ;;
  esac
done
exec "$real/$tool" "\${args[@]}"
SHIM
    chmod +x "$NIGHTLY_SHIM/$tool.tmp"
    mv "$NIGHTLY_SHIM/$tool.tmp" "$NIGHTLY_SHIM/$tool"
  done
}

# Installs what is missing; what is there is only checked (a second run takes about a second).
ensure_tools() {
  if ! command -v rustup >/dev/null || ! command -v cargo >/dev/null; then
    echo "build tools: rustup and cargo are required (https://rustup.rs)" >&2
    return 1
  fi
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  if ! RUSTUP_AUTO_INSTALL=0 rustup run "$NIGHTLY" rustc --version >/dev/null 2>&1; then
    rustup toolchain install "$NIGHTLY" --profile minimal --component rust-src --target wasm32-unknown-unknown
  fi
  rustup "+$NIGHTLY" component list --installed | grep -q '^rust-src' || rustup "+$NIGHTLY" component add rust-src
  rustup "+$NIGHTLY" target list --installed | grep -qx wasm32-unknown-unknown \
    || rustup "+$NIGHTLY" target add wasm32-unknown-unknown
  write_nightly_shim
  local version
  version="$(wasm_bindgen_version)"
  if [[ -z "$version" ]]; then
    echo "build tools: Cargo.lock names no wasm-bindgen (does Cargo.toml depend on workers-agents?)" >&2
    return 1
  fi
  if ! have_tool wasm-bindgen "$version"; then
    echo "build tools: installing wasm-bindgen-cli $version into $AGENTS_TOOLS (once; a few minutes)" >&2
    cargo install --locked --root "$AGENTS_TOOLS" "wasm-bindgen-cli@$version"
  fi
  if ! have_tool worker-build "$WORKER_BUILD_VERSION"; then
    echo "build tools: installing worker-build $WORKER_BUILD_VERSION into $AGENTS_TOOLS (once; a few minutes)" >&2
    cargo install --locked --root "$AGENTS_TOOLS" "worker-build@$WORKER_BUILD_VERSION"
  fi
  local bin
  for bin in wasm-opt esbuild; do
    if [[ ! -x "node_modules/.bin/$bin" ]]; then
      echo "build tools: node_modules/.bin/$bin is missing: run npm install" >&2
      return 1
    fi
  done
}
