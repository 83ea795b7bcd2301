#!/usr/bin/env bash
# Cold start of iisc-server over a stored catalog: the seconds from exec to
# its "listening on" line, on a fresh copy of DATA_DIR each run (SST files
# linked, the rest copied), so every run opens the same store.
#   DATA_DIR=DIR [BIN=build/server/iisc-server] [RUNS=3] [COLD_CACHE=1] bench/run_cold_start.sh
# DATA_DIR: a stopped server's data directory, e.g. the 1M one that
# bench/run_catalog_write_bench.sh or bench/run_engine_bench.sh leaves.
# COLD_CACHE=1 drops the page cache before each run (root only).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATA_DIR:?set DATA_DIR to a stored data directory}"
BIN="${BIN:-build/server/iisc-server}"
RUNS="${RUNS:-3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/iisc-cold-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export IISC_BUREAU_TOKEN="${IISC_BUREAU_TOKEN:-cold-start-benchmark-token}"

for i in $(seq 1 "$RUNS"); do
  rm -rf "$WORK/data" && mkdir "$WORK/data"
  for f in "$DATA_DIR"/*; do
    name="$(basename "$f")"
    case "$name" in
      LOCK) ;;
      *.sst) ln "$f" "$WORK/data/$name" 2>/dev/null || cp "$f" "$WORK/data/$name" ;;
      *) cp "$f" "$WORK/data/$name" ;;
    esac
  done
  if [ "${COLD_CACHE:-0}" = 1 ]; then sync && echo 3 > /proc/sys/vm/drop_caches; fi
  start=$(date +%s.%N)
  "$BIN" --listen 127.0.0.1:0 --data-dir "$WORK/data" --config configs/server.toml 2>"$WORK/log" |
    while read -r line; do
      case "$line" in
        *"listening on"*)
          echo "run $i: $(echo "$(date +%s.%N) - $start" | bc) s"
          pkill -TERM -f -- "--data-dir $WORK/data" ;;
      esac
    done
done
