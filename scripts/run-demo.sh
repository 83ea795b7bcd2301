#!/usr/bin/env bash
# Installs dependencies, builds, and serves the demo catalog on
# http://127.0.0.1:8080 (data kept in ./var/data; pass extra flags through).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
mkdir -p var/data
exec ./build/server/iisc-server --listen 127.0.0.1:8080 --data-dir var/data \
  --config configs/server.toml "$@"
