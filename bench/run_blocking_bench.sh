#!/usr/bin/env bash
# Recommendation latency while a long blocking job runs, with the blocking
# routes on the I/O threads (blocking_threads = 0, as before the pool) and on
# the blocking pool (blocking_threads = 4, the default), side by side in one
# run on the same binary, data and load:
#  1. iisc-server on the demo catalog stores NEEDS needs (WAL sync off), once;
#     each configuration below starts on a copy of that data directory;
#  2. ROUNDS times (default 3), for each number of I/O threads in IO
#     (default "1 2"), for each mode in turn:
#     a. POST /v1/recommendations alone for DURATION seconds (wrk, CONNS
#        connections);
#     b. the same while the bureau replays a draft over every stored need
#        (POST /v1/admin/what-if, region weight 0.5 -> 1.5), one replay after
#        another, for the whole run (REPLAYS such loops at once, default 1).
# Prints every run, then the medians over the rounds: p50/p99/max and req/s,
# and the replays' count and mean time.
#   bench/run_blocking_bench.sh [OUT.json]
# BUILD_DIR (default build-bench, Release); NEEDS (default 10000); DURATION
# (default 10); CONNS (default 8); IO (default "1 2"); ROUNDS (default 3);
# REPLAYS (default 1).
# Needs wrk, python3, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
OUT="${1:-blocking_bench.json}"
BUILD_DIR="${BUILD_DIR:-build-bench}"
NEEDS="${NEEDS:-10000}"
DURATION="${DURATION:-10}"
CONNS="${CONNS:-8}"
IO="${IO:-1 2}"
ROUNDS="${ROUNDS:-3}"
REPLAYS="${REPLAYS:-1}"
TOKEN="blocking-bench-token-0123456789abcdef"

for tool in wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/install-deps.sh" >&2; exit 2; }
done

if [ "$BUILD_DIR" = build-bench ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DIISC_BUILD_BENCH=ON -DIISC_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j2 --target iisc-server
SERVER="$ROOT/$BUILD_DIR/server/iisc-server"

TMP="$(mktemp -d /tmp/iisc-blocking-bench.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

# Recommendation requests and needs from the labeled needs; the what-if body:
# the shipped weights with the region weight raised.
python3 - "$ROOT" "$TMP" <<'PY'
import json, re, sys
root, tmp = sys.argv[1:3]
with open(f"{root}/data/eval/public.jsonl") as f, open(f"{tmp}/recommend.bodies", "w") as r, \
        open(f"{tmp}/needs.bodies", "w") as n:
    for line in f:
        if not line.strip():
            continue
        need = json.loads(line)["need"]
        r.write(json.dumps({"need": need, "k": 10}, ensure_ascii=False, separators=(",", ":")) + "\n")
        n.write(json.dumps(need, ensure_ascii=False, separators=(",", ":")) + "\n")
toml = open(f"{root}/configs/scoring.toml").read()
draft, changed = re.subn(r"\nregion = [0-9.]+\n", "\nregion = 1.5\n", toml, count=1)
assert changed == 1, "no region weight in scoring.toml"
json.dump({"toml": draft, "reason": "benchmark"}, open(f"{tmp}/what-if.json", "w"))
PY

# Starts iisc-server on DATA with IO I/O threads and BLOCKING blocking
# threads; sets SERVER_PID and SERVER_URL.
start_server() {
  local name="$1" data="$2" io="$3" blocking="$4"
  local dir="$TMP/$name"
  mkdir -p "$dir"
  cat >"$dir/server.toml" <<EOF
[server]
listen = "127.0.0.1:0"
data_dir = "$data"
io_threads = $io
blocking_threads = $blocking
[paths]
scoring_config = "$TMP/scoring.toml"
vocabulary_dir = "$ROOT/configs/vocabulary"
intent_corpus_dir = "$ROOT/configs/intent"
taxonomy_file = "$ROOT/data/taxonomy.json"
seed_catalog = "$ROOT/data/demo-catalog.jsonl"
[limits]
max_connections_per_address = 4096  # every connection comes from one address here
[access]
rate_limit_per_second = 0    # off: every request comes from one address here
[durability]
sync_need_writes = false
EOF
  IISC_BUREAU_TOKEN="$TOKEN" "$SERVER" --config "$dir/server.toml" >"$dir/stdout" 2>"$dir/stderr" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 1200); do  # up to 2 minutes on a busy machine
    if grep -q "^listening on " "$dir/stdout"; then break; fi
    sleep 0.1
  done
  SERVER_URL="$(sed -n 's/^listening on //p' "$dir/stdout" | head -1)"
  [ -n "$SERVER_URL" ] || { cat "$dir/stderr" >&2; echo "server did not start" >&2; exit 1; }
}

stop() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# wrk's JSON summary (bench/http/post_bodies.lua); fails on errors or non-2xx.
run_wrk() {  # connections url bodies
  local out json
  out="$(wrk -t1 -c"$1" -d"${DURATION}s" --timeout 30s -s bench/http/post_bodies.lua "$2" -- "$3")"
  json="$(sed -n 's/^WRK_RESULT //p' <<<"$out")"
  [ -n "$json" ] || { echo "$out" >&2; echo "wrk gave no summary" >&2; exit 1; }
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); bad=r["non_2xx"]+r["connect_errors"]+r["read_errors"]+r["write_errors"]+r["timeouts"]; sys.exit(1 if bad else 0)' "$json" \
    || { echo "$out" >&2; echo "errors or non-2xx answers under load" >&2; exit 1; }
  echo "$json"
}

# One what-if after another until $1 exists; each one's seconds go to $2.
replay_loop() {
  local stop_file="$1" times="$2"
  while [ ! -e "$stop_file" ]; do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X POST \
      -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      --data-binary @"$TMP/what-if.json" "$SERVER_URL/v1/admin/what-if" >>"$times" || true
  done
}

cp "$ROOT/configs/scoring.toml" "$TMP/scoring.toml"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "uptime before: $(uptime)"

total_needs() {
  curl -sf -H "Authorization: Bearer $TOKEN" "$SERVER_URL/v1/admin/demand" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["total_needs"])'
}

# --- the stored needs, once: wrk stores them until there are NEEDS
start_server fill "$TMP/data" 2 4
wrk -t1 -c16 -d120s --timeout 30s -s bench/http/post_bodies.lua "$SERVER_URL/v1/needs" -- "$TMP/needs.bodies" \
  >/dev/null 2>&1 &
WRK=$!
while [ "$(total_needs)" -lt "$NEEDS" ]; do sleep 0.2; done
kill "$WRK" 2>/dev/null || true
wait "$WRK" 2>/dev/null || true
stop "$SERVER_PID"

RESULTS="$TMP/results.jsonl"
: >"$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
for io in $IO; do
  for blocking in 0 4; do
    mode="$([ "$blocking" = 0 ] && echo "on the I/O threads (blocking_threads = 0)" || echo "on the pool (blocking_threads = $blocking)")"
    rm -rf "$TMP/run-data"
    cp -a "$TMP/data" "$TMP/run-data"
    start_server "io$io-b$blocking" "$TMP/run-data" "$io" "$blocking"
    stored="$(total_needs)"
    RECO="$SERVER_URL/v1/recommendations"
    wrk -t1 -c"$CONNS" -d2s -s bench/http/post_bodies.lua "$RECO" -- "$TMP/recommend.bodies" >/dev/null  # warm-up
    alone="$(run_wrk "$CONNS" "$RECO" "$TMP/recommend.bodies")"
    echo "round $round  io_threads=$io  $mode  alone:          $alone"
    times="$TMP/replays-$round-$io-$blocking"
    : >"$times"
    rm -f "$TMP/stop"
    LOOPS=()
    for _ in $(seq 1 "$REPLAYS"); do
      replay_loop "$TMP/stop" "$times" &
      LOOPS+=($!)
    done
    sleep 0.3  # the first replay is under way before the measurement starts
    under="$(run_wrk "$CONNS" "$RECO" "$TMP/recommend.bodies")"
    touch "$TMP/stop"
    wait "${LOOPS[@]}"
    echo "round $round  io_threads=$io  $mode  under what-if:  $under"
    python3 - "$RESULTS" "$io" "$blocking" "$alone" "$under" "$times" "$stored" "$round" "$REPLAYS" <<'PY'
import json, sys
out, io, blocking, alone, under, times, stored, rnd, loops = sys.argv[1:10]
replays = [l.split() for l in open(times) if l.strip()]
ok = [float(t) for code, t in replays if code == "200"]
row = {"round": int(rnd), "concurrent_replays": int(loops), "io_threads": int(io), "blocking_threads": int(blocking), "stored_needs": int(stored),
       "alone": json.loads(alone),
       "under_what_if": json.loads(under), "replays": len(ok),
       "replay_codes": sorted({code for code, _ in replays}),
       "replay_mean_s": sum(ok) / len(ok) if ok else None}
open(out, "a").write(json.dumps(row) + "\n")
PY
    stop "$SERVER_PID"
  done
done
done
echo "uptime after: $(uptime)"

python3 - "$RESULTS" "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
json.dump(rows, open(sys.argv[2], "w"), indent=1)
print(f"\nPOST /v1/recommendations, {rows[0]['stored_needs']} stored needs, {rows[0]['concurrent_replays']} what-if"
      f" replay(s) at a time over all of them; medians of {max(r['round'] for r in rows)} round(s)")
print("| io_threads | blocking routes | alone p50 / p99 (ms) | alone req/s | under what-if p50 / p99 / max (ms) | req/s | replays per run (mean s each) |")
print("|---|---|---|---|---|---|---|")
keys = sorted({(r["io_threads"], r["blocking_threads"]) for r in rows})
for io, b in keys:
    rs = [r for r in rows if (r["io_threads"], r["blocking_threads"]) == (io, b)]
    med = lambda f: statistics.median(f(r) for r in rs)
    where = "I/O threads" if b == 0 else f"pool ({b})"
    means = [r["replay_mean_s"] for r in rs if r["replay_mean_s"]]
    mean = f"{statistics.median(means):.2f}" if means else "-"
    print(f"| {io} | {where} | {med(lambda r: r['alone']['p50_us'])/1000:.2f} / {med(lambda r: r['alone']['p99_us'])/1000:.2f} "
          f"| {med(lambda r: r['alone']['req_per_s']):.0f} "
          f"| {med(lambda r: r['under_what_if']['p50_us'])/1000:.2f} / {med(lambda r: r['under_what_if']['p99_us'])/1000:.2f}"
          f" / {med(lambda r: r['under_what_if']['max_us'])/1000:.0f} | {med(lambda r: r['under_what_if']['req_per_s']):.0f} "
          f"| {med(lambda r: r['replays']):.0f} ({mean}) |")
PY
