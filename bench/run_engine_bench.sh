#!/usr/bin/env bash
# Builds engine_bench in Release and runs it with repetitions: featurizing,
# request parsing, response serialization, Recommend latency percentiles on
# the demo catalog, 10k and 100k, then the cold start and resident memory at
# 1M capabilities in a process of its own. Prints the medians.
#   bench/run_engine_bench.sh [OUT_PREFIX]
# REPS (default 5) sets --benchmark_repetitions; BUILD_DIR defaults to
# build-bench; COLD_DIR (default var/bench/catalog-1m) is created with
# iisc-gen-catalog when missing (about 10 minutes: a synced write per complex,
# then the first open stores every capability's features). COLD_REPS
# (default 3) cold starts are run, each in a fresh process.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-engine_bench}"
BUILD_DIR="${BUILD_DIR:-build-bench}"
REPS="${REPS:-5}"
COLD_REPS="${COLD_REPS:-3}"
COLD_DIR="${COLD_DIR:-var/bench/catalog-1m}"

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DIISC_BUILD_BENCH=ON -DIISC_BUILD_TESTS=OFF >/dev/null
# Two jobs at most: the machine's two cores are shared.
cmake --build "$BUILD_DIR" -j2 --target engine_bench iisc-gen-catalog

if [ ! -d "$COLD_DIR" ]; then
  mkdir -p "$(dirname "$COLD_DIR")"
  "$BUILD_DIR/bench/iisc-gen-catalog" --capabilities 1000000 --seed 1 --data-dir "$COLD_DIR"
fi

echo "uptime before: $(uptime)"
"$BUILD_DIR/bench/engine_bench" \
  --benchmark_filter='Featurize|ParseRequest|SerializeResponse|Recommend' \
  --benchmark_repetitions="$REPS" \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$OUT.json" --benchmark_out_format=json
for i in $(seq 1 "$COLD_REPS"); do
  IISC_BENCH_COLD_DIR="$COLD_DIR" "$BUILD_DIR/bench/engine_bench" \
    --benchmark_filter=ColdStart \
    --benchmark_out="$OUT-cold-$i.json" --benchmark_out_format=json
done
echo "uptime after: $(uptime)"

python3 - "$OUT" "$COLD_REPS" <<'PY'
import json, statistics, sys
prefix, cold_reps = sys.argv[1], int(sys.argv[2])
runs = json.load(open(prefix + ".json"))["benchmarks"]
med = {b["run_name"]: b for b in runs if b.get("aggregate_name") == "median"}
def show(name, fields):
    b = med.get(name)
    if b:
        print(f"{name:45s} " + "  ".join(f"{f}={b[f]:.1f}" for f in fields if f in b))
print("\nmedians of", len([b for b in runs if b.get("aggregate_name") == "median"]), "benchmarks")
show("Featurize", ["real_time", "cpu_time"])
show("ParseRequest", ["real_time", "cpu_time"])
show("SerializeResponse", ["real_time", "cpu_time", "avg_bytes"])
for n in (177, 10000, 100000):
    for key, b in med.items():
        if key.startswith(f"Recommend/{n}/"):
            show(key, ["p50_us", "p90_us", "p99_us", "real_time", "cpu_time", "rows_bounded", "rows_scored", "full_scans"])
cold = []
for i in range(1, cold_reps + 1):
    b = json.load(open(f"{prefix}-cold-{i}.json"))["benchmarks"][0]
    cold.append(b)
if cold:
    secs = statistics.median(b["real_time"] for b in cold)
    rss = statistics.median(b["rss_MB"] for b in cold)
    raw, budget = cold[0]["raw_float_MB"], cold[0]["budget_MB"]
    print(f"ColdStart 1M: {secs:.1f} s (runs: " + ", ".join(f"{b['real_time']:.1f}" for b in cold) + ")")
    print(f"Resident memory 1M: {rss:.0f} MB; raw float vectors {raw:.0f} MB; "
          f"ratio {rss/raw:.2f}x; budget 1.5x + 100 MB = {budget:.0f} MB")
    skip = {"rss_MB", "rss_before_MB", "raw_float_MB", "budget_MB"}
    parts = {k[:-3]: v for k, v in cold[0].items() if k.endswith("_MB") and k not in skip}
    print("  of which (heap bytes of the snapshot's parts): " +
          ", ".join(f"{k} {v:.0f} MB" for k, v in sorted(parts.items(), key=lambda kv: -kv[1])))
PY
