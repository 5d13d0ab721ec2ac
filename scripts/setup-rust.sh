#!/usr/bin/env bash
# Installs what the Rust build needs, idempotently: the wasm32 target, a
# pinned nightly with rust-src (for panic=unwind builds), and the wasm-bindgen CLI +
# worker-build into .tools/ (worker-build would otherwise download them).
set -euo pipefail
cd "$(dirname "$0")/.."

WORKER_BUILD_VERSION="0.8.7"
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)"

if ! command -v rustup >/dev/null; then
  echo "setup-rust: rustup is required" >&2
  exit 1
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown
# panic=unwind builds use the pinned nightly with rust-src and the wasm32
# target (scripts/nightly.sh says why and how).
source scripts/nightly.sh
if ! RUSTUP_AUTO_INSTALL=0 rustup run "$NIGHTLY" rustc --version >/dev/null 2>&1; then
  rustup toolchain install "$NIGHTLY" --profile minimal --component rust-src --target wasm32-unknown-unknown
fi
rustup "+$NIGHTLY" component list --installed | grep -q '^rust-src' || rustup "+$NIGHTLY" component add rust-src
rustup "+$NIGHTLY" target list --installed | grep -qx wasm32-unknown-unknown \
  || rustup "+$NIGHTLY" target add wasm32-unknown-unknown
write_nightly_shim

have() { [ -x ".tools/bin/$1" ] && ".tools/bin/$1" --version 2>/dev/null | grep -q "$2"; }
if ! have wasm-bindgen "$WASM_BINDGEN_VERSION"; then
  cargo install --locked --root .tools "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
fi
if ! have worker-build "$WORKER_BUILD_VERSION"; then
  cargo install --locked --root .tools "worker-build@$WORKER_BUILD_VERSION"
fi
