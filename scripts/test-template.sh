#!/usr/bin/env bash
# The newcomer path, end to end, as README "Your own project" tells it: a project made from the template
# (templates/agent) in a temporary folder outside the repository, `npm install`, then its own `npm test` (which builds
# it, serves it with `wrangler dev` on loopback and drives the counter with the official AgentClient).
# It reuses this checkout's tools (WORKERS_AGENTS_TOOLS=.tools) and, unless AGENTS_TEMPLATE_TARGET_DIR says
# otherwise, this repository's cargo target directory (the fixture's dependencies, already built for wasm32, are
# reused). Port: AGENTS_TEMPLATE_PORT (default 8940; its inspector on the port + 1000). AGENTS_TEMPLATE_REPORT: a
# file for vitest's JSON report (npm test's summary counts it).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
port="${AGENTS_TEMPLATE_PORT:-8940}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/workers-agents-template.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
npm run -s new -- "$tmp/my-agent"
cd "$tmp/my-agent"
export WORKERS_AGENTS_TOOLS="$repo/.tools"
export XDG_CACHE_HOME="$tmp/cache"
export CARGO_TARGET_DIR="${AGENTS_TEMPLATE_TARGET_DIR:-$repo/target}"
npm install --prefer-offline --no-audit --no-fund
installed=$(date +%s)
report=()
[[ -n "${AGENTS_TEMPLATE_REPORT:-}" ]] && report=(-- --reporter=default --reporter=json --outputFile="$AGENTS_TEMPLATE_REPORT")
PORT="$port" npm test "${report[@]}"
echo "template: npm install $((installed - start)) s, npm test $(($(date +%s) - installed)) s"
