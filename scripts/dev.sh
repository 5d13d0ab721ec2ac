#!/usr/bin/env bash
# Builds the demo worker and serves it with `wrangler dev` on a fixed
# loopback port (AGENTS_PORT, default 8788).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${AGENTS_PORT:-8788}"
bash scripts/build.sh
echo "demo: http://127.0.0.1:$port  (agents at ws://127.0.0.1:$port/agents/counter/{name})"
exec npx wrangler dev --ip 127.0.0.1 --port "$port" --inspector-port "$((port + 1000))"
