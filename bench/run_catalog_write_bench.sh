#!/usr/bin/env bash
# Catalog writes at scale (bench/catalog_write_bench.cc): one complex's PUT
# and DELETE at 100k and 1M services, and recommendation latency while a
# 10k-service import runs, against idle.
#   bench/run_catalog_write_bench.sh [OUT_PREFIX]
# SIZES (default 100000,1000000). DATA_1M: a data directory of the 1M
# catalog with its features stored, opened through a checkpoint (hard
# links); without it the 1M catalog is generated and featurized first
# (10-12 minutes on 2 cores). Each run leaves its data directory under
# IISC_BENCH_TMP (default /tmp): the 1M one can be DATA_1M next time.
# BUILD_DIR defaults to build-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-catalog_write_bench}"
BUILD_DIR="${BUILD_DIR:-build-bench}"
SIZES="${SIZES:-100000,1000000}"

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DIISC_BUILD_BENCH=ON -DIISC_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j2 --target catalog_write_bench

echo "uptime before: $(uptime)"
for n in ${SIZES//,/ }; do
  data=()
  if [ "$n" = 1000000 ] && [ -n "${DATA_1M:-}" ]; then data=("IISC_BENCH_DATA_DIR=$DATA_1M"); fi
  env IISC_BENCH_SIZES="$n" "${data[@]}" "$BUILD_DIR/bench/catalog_write_bench" \
    --benchmark_counters_tabular=true \
    --benchmark_out="$OUT-$n.json" --benchmark_out_format=json
done
