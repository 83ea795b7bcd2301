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

# Two views of every median: wall-clock rates (what Google Benchmark reports)
# and on-CPU rates (rate x real/cpu time). They differ when other processes
# share the cores; the on-CPU view is what one core achieves while it runs.
python3 - "$OUT" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
med = {b["run_name"]: b for b in runs if b.get("aggregate_name") == "median"}
def get(name, counter, cpu):
    b = med.get(name)
    if not b or counter not in b:
        return None
    return b[counter] * (b["real_time"] / b["cpu_time"] if cpu else 1.0)
for cpu in (False, True):
    print("\n%s rates, medians" % ("on-CPU" if cpu else "wall-clock"))
    bw = get("MemoryReadBandwidth/real_time", "read_bytes_per_s", cpu)
    if bw:
        print(f"memory read bandwidth (1 core): {bw/1e9:.1f} GB/s")
    for n in (300, 10000, 100000, 1000000):
        f = get(f"FaissFlatIP/{n}/real_time", "queries_per_s", cpu)
        for ours in ("ExactTopK", "CompactTopK"):
            q = get(f"{ours}/{n}/real_time", "queries_per_s", cpu)
            s = get(f"{ours}/{n}/real_time", "scan_bytes_per_s", cpu)
            if q is None:
                continue
            line = f"{ours:12s} N={n:>7}: {q:10.1f} q/s  scan {s/1e9:5.1f} GB/s"
            if f:
                line += f"  {q/f:5.1f}x FAISS ({f:.1f} q/s)"
            if bw:
                line += f"  {s/bw:4.2f}x read bandwidth"
            print(line)
    eig = get("BatchDot/100000/32/real_time", "flop_per_s", cpu)
    obl = get("OpenBlasSgemm/100000/32/real_time", "flop_per_s", cpu)
    if eig and obl:
        print(f"batch 32 x 100k: BatchDot {eig/1e9:.1f} GFLOP/s, OpenBLAS {obl/1e9:.1f} GFLOP/s,"
              f" ratio {eig/obl:.2f}")
    batch = get("BatchDot/100000/32/real_time", "needs_per_s", cpu)
    for single_name in ("BatchDot/100000/1/real_time", "DotAllSingle/100000/real_time"):
        single = get(single_name, "needs_per_s", cpu)
        if batch and single:
            print(f"per-need cost, batch of 32 / {single_name.split('/')[0]} single need:"
                  f" {single/batch:.3f}")
PY
