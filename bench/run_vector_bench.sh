#!/usr/bin/env bash
# Builds vector_bench in Release and runs it with repetitions, keeping only
# the aggregates; prints the medians with their ratios to the peers.
#   bench/run_vector_bench.sh [OUT.json] [extra benchmark flags...]
# REPS (default 5) sets --benchmark_repetitions; BUILD_DIR defaults to build-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-vector_bench.json}"
shift || true
BUILD_DIR="${BUILD_DIR:-build-bench}"
REPS="${REPS:-5}"

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DIISC_BUILD_BENCH=ON -DIISC_BUILD_TESTS=OFF >/dev/null
# Two jobs at most: the machine's two cores are shared.
cmake --build "$BUILD_DIR" -j2 --target vector_bench

"$BUILD_DIR/bench/vector_bench" \
  --benchmark_repetitions="$REPS" \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$OUT" --benchmark_out_format=json "$@"

python3 - "$OUT" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
med = {b["run_name"]: b for b in runs if b.get("aggregate_name") == "median"}
def get(name, counter):
    b = med.get(name)
    return b[counter] if b and counter in b else None
print("\nmedians of %s repetitions" % next(iter(med.values()))["repetitions"] if med else "")
bw = get("MemoryReadBandwidth/real_time", "read_bytes_per_s")
if bw:
    print(f"memory read bandwidth (1 core): {bw/1e9:.1f} GB/s")
for n in (300, 10000, 100000, 1000000):
    f = get(f"FaissFlatIP/{n}/real_time", "queries_per_s")
    for ours in ("ExactTopK", "CompactTopK"):
        q = get(f"{ours}/{n}/real_time", "queries_per_s")
        s = get(f"{ours}/{n}/real_time", "scan_bytes_per_s")
        if q is None:
            continue
        line = f"{ours:12s} N={n:>7}: {q:12.1f} q/s  scan {s/1e9:6.1f} GB/s"
        if f:
            line += f"  x{q/f:5.1f} FAISS ({f:.1f} q/s)"
        if bw:
            line += f"  {s/bw:4.2f}x read bandwidth"
        print(line)
eig = get("BatchDot/100000/32/real_time", "flop_per_s")
obl = get("OpenBlasSgemm/100000/32/real_time", "flop_per_s")
if eig and obl:
    print(f"batch 32 x 100k: BatchDot {eig/1e9:.1f} GFLOP/s, OpenBLAS {obl/1e9:.1f} GFLOP/s,"
          f" ratio {eig/obl:.2f}")
batch = get("BatchDot/100000/32/real_time", "needs_per_s")
for single_name in ("BatchDot/100000/1/real_time", "DotAllSingle/100000/real_time"):
    single = get(single_name, "needs_per_s")
    if batch and single:
        print(f"per-need cost, batch of 32 vs {single_name.split('/')[0]} single:"
              f" {single/batch:.3f}")
PY
