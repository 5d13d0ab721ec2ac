#!/usr/bin/env bash
# Installs the build tools once (npm install runs this): see scripts/tools.sh for what and where.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
ensure_tools
echo "build tools: ready ($AGENTS_TOOLS, $NIGHTLY)"
