#!/usr/bin/env bash
# Serves the demo worker with `wrangler dev` on a fixed loopback port
# (AGENTS_PORT, default 8788); wrangler builds it first ([build] in wrangler.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${AGENTS_PORT:-8788}"
echo "demo: http://127.0.0.1:$port  (agents at ws://127.0.0.1:$port/agents/counter/{name})"
exec npx wrangler dev --ip 127.0.0.1 --port "$port" --inspector-port "$((port + 1000))"
