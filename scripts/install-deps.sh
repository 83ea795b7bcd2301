#!/usr/bin/env bash
# Installs everything IISC Match needs to build, run and test, from Debian's
# packages and (for the browser and API tests) the npm registry. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl
  libboost1.81-dev librocksdb-dev libsimdjson-dev libeigen3-dev libicu-dev
  libtomlplusplus-dev libgtest-dev libgmock-dev libbenchmark-dev libssl-dev
  # Boost.URL: query strings and percent escapes of request targets (server/)
  libboost-url1.81-dev
  # CLI11: the command line of every binary (models/command_line.h), header-only
  libcli11-dev
  # min-cost flow for the assignment planner (engine/assignment.cc)
  liblemon-dev
  # benchmarks' peers and load tools
  libfaiss-dev libopenblas-dev wrk nginx-light
  # the soak test (scripts/soak.py) and the benchmark scripts
  python3
  # fuzzing and sanitizers
  clang libclang-rt-14-dev
  # the bureau's map page draws its trend charts with Chart.js (served from the binary)
  libjs-chart.js
  # browser test
  chromium
)
# Node.js may come from elsewhere than Debian (Debian's npm conflicts with
# NodeSource's nodejs); take Debian's only when there is none.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ -f tests/browser/package.json ] && { [ ! -d tests/browser/node_modules/playwright-core ] ||
                                         [ ! -d tests/browser/node_modules/axe-core ]; }; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
# The API tests: Redocly's linter and Ajv (tests/api/package-lock.json).
if [ -f tests/api/package.json ] && { [ ! -d tests/api/node_modules/@redocly/cli ] ||
                                     [ ! -d tests/api/node_modules/ajv ]; }; then
  (cd tests/api && npm ci --no-audit --no-fund --loglevel=error)
fi
