#!/usr/bin/env bash
# Every check and test: formatting, clippy (host and wasm32, every workspace
# crate: framework, demo, examples, fixture, benchmark worker), native tests
# (with the trybuild UI tests of the macros), the examples' TypeScript
# declarations (regenerated: a stale copy fails; then checked by tsc), the
# workerd suite (vitest-pool-workers) and the integration suite (wrangler
# dev + the official `agents` client, and `agents/react` in Debian's Chromium),
# both against the fixture worker (tests/fixture), and `wrangler deploy
# --dry-run` of the demo; `cargo package` of the two crates; and a project made
# from the template in a temporary folder, built, served and tested
# (scripts/test-template.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
logs=target/test-logs
mkdir -p "$logs"

step() { printf '\n== %s\n' "$*"; }

step "setup"
bash scripts/setup-rust.sh
bash scripts/setup-browser.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (host)"
cargo clippy --workspace --all-targets -- -D warnings

step "clippy (wasm32)"
cargo clippy --workspace --target wasm32-unknown-unknown -- -D warnings

step "clippy (the framework without its features, and with each alone)"
for features in "" "mcp" "ai" "oauth" "chat"; do
  cargo clippy -p workers-agents --all-targets --no-default-features --features "$features" -- -D warnings
done

step "cargo doc (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc -p workers-agents --no-deps

step "cargo package (the framework and its macro crate, as crates.io would get them, built from the package)"
cargo package -p workers-agents-macros -p workers-agents --allow-dirty

step "native tests (cargo test)"
cargo test --workspace 2>&1 | tee "$logs/cargo.txt"

step "TypeScript declarations: regenerated (a stale checked-in copy fails), then checked by tsc"
cargo run -q -p agent-types -- --check
npm run test:types

step "build the fixture worker for the suites (panic=unwind, no wasm-opt)"
bash scripts/build.sh tests/fixture

step "workerd tests (vitest-pool-workers)"
AGENTS_SKIP_BUILD=1 npx vitest run --reporter=default --reporter=json --outputFile="$logs/workers.json"

step "build the demo worker (panic=unwind)"
bash scripts/build.sh

step "wrangler deploy --dry-run (the demo)"
npx wrangler deploy --dry-run --outdir dist 2>&1 | tee "$logs/dry-run.txt"

step "build the chat benchmark worker (its driver is tested in the integration suite)"
bash scripts/build.sh bench/chat/rust

step "integration tests (wrangler dev + official agents client, useAgent in Chromium)"
npx vitest run --config tests/integration/vitest.config.js --reporter=default --reporter=json \
  --outputFile="$logs/integration.json"

step "your own project: one from the template, built, served and tested in a temporary folder (scripts/test-template.sh)"
AGENTS_TEMPLATE_REPORT="$PWD/$logs/template.json" bash scripts/test-template.sh 2>&1 | tee "$logs/template.txt"

step "summary"
node scripts/summarize-tests.mjs "$logs"
