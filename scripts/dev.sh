#!/usr/bin/env bash
# Serves a worker with `wrangler dev` on a fixed loopback port (AGENTS_PORT;
# default 8788 for the demo, 8789 for the fixture) and its inspector on the
# port + 1000; wrangler builds it first ([build] in its wrangler.toml).
#   bash scripts/dev.sh                  the demo (npm start)
#   bash scripts/dev.sh tests/fixture    the test fixture (npm run start:fixture)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-.}"
default_port=8788
[[ "$dir" == tests/fixture ]] && default_port=8789
port="${AGENTS_PORT:-$default_port}"
echo "$dir: http://127.0.0.1:$port  (agents at ws://127.0.0.1:$port/agents/{agent}/{name})"
cd "$dir"
exec npx wrangler dev --ip 127.0.0.1 --port "$port" --inspector-port "$((port + 1000))"
