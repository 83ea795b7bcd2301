#!/usr/bin/env bash
# A legitimate client's good throughput with and without a slowloris attack
# from another address (the per-address connection limit, BENCHMARKS.md).
#
# Per round, on a fresh server with the shipped limits (rate limit off, so
# that the legitimate client, one address sending as fast as it can, is
# measured rather than its bucket):
#  1. baseline: wrk from 127.0.0.1, POST /v1/recommendations, each request on
#     a new connection (Connection: close: every request needs a connection
#     place, as a client that does not keep connections alive does);
#  2. bench/http/slowloris.py from 127.0.0.2 opens ATTACK connections (at
#     most ATTACK_RATE new ones a second) that send their headers a line a
#     second and never end them, reopening those the server closes;
#  3. the same wrk run during the attack.
# Good throughput = 2xx answers per second. Repeated ROUNDS times (default 3);
# prints every run and the medians with the ratio attack / baseline.
#   bench/run_slowloris_bench.sh [OUT.json]
# SERVER: the iisc-server binary (default: a Release build in BUILD_DIR,
# default build-bench); PER_ADDRESS: a max_connections_per_address to write
# into the config (default: none, the server's default); DURATION (10) s per
# wrk run, CONNECTIONS (16) wrk connections, THREADS (2) wrk threads,
# ATTACK (1000), ATTACK_RATE (200). Needs wrk and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
OUT="${1:-slowloris_bench.json}"
BUILD_DIR="${BUILD_DIR:-build-bench}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
ATTACK="${ATTACK:-1000}"
ATTACK_RATE="${ATTACK_RATE:-200}"
PER_ADDRESS="${PER_ADDRESS:-}"

for tool in wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/install-deps.sh" >&2; exit 2; }
done
if [ -z "${SERVER:-}" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIISC_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target iisc-server
  SERVER="$ROOT/$BUILD_DIR/server/iisc-server"
fi
# The server holds the attack's connections, the attacker its own.
ulimit -n "$(( ATTACK + 4096 ))"

TMP="$(mktemp -d /tmp/iisc-slowloris-bench.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

python3 - "$ROOT/data/eval/public.jsonl" "$TMP/recommend.bodies" <<'PY'
import json, sys
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    for line in f:
        if line.strip():
            need = json.loads(line)["need"]
            out.write(json.dumps({"need": need, "k": 10}, ensure_ascii=False, separators=(",", ":")) + "\n")
PY

start_server() {  # sets SERVER_PID, SERVER_URL, SERVER_PORT
  local dir="$TMP/server-$1"
  mkdir -p "$dir/data"
  {
    echo '[server]'
    echo 'listen = "127.0.0.1:0"'
    echo "data_dir = \"$dir/data\""
    echo '[paths]'
    echo "scoring_config = \"$ROOT/configs/scoring.toml\""
    echo "vocabulary_dir = \"$ROOT/configs/vocabulary\""
    echo "intent_corpus_dir = \"$ROOT/configs/intent\""
    echo "taxonomy_file = \"$ROOT/data/taxonomy.json\""
    echo "seed_catalog = \"$ROOT/data/demo-catalog.jsonl\""
    if [ -n "$PER_ADDRESS" ]; then
      echo '[limits]'
      echo "max_connections_per_address = $PER_ADDRESS"
    fi
    echo '[access]'
    echo 'rate_limit_per_second = 0'
  } >"$dir/server.toml"
  "$SERVER" --config "$dir/server.toml" >"$dir/stdout" 2>"$dir/stderr" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 600); do
    if grep -q "^listening on " "$dir/stdout"; then break; fi
    sleep 0.1
  done
  SERVER_URL="$(sed -n 's/^listening on //p' "$dir/stdout" | head -1)"
  [ -n "$SERVER_URL" ] || { cat "$dir/stderr" >&2; echo "server did not start" >&2; exit 1; }
  SERVER_PORT="${SERVER_URL##*:}"
}

stop() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# Prints wrk's WRK_RESULT JSON with good_per_s (2xx answers a second) added.
run_wrk() {
  local out json
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -H 'Connection: close' \
    -s bench/http/post_bodies.lua "$SERVER_URL/v1/recommendations" -- "$TMP/recommend.bodies")"
  json="$(sed -n 's/^WRK_RESULT //p' <<<"$out")"
  [ -n "$json" ] || { echo "$out" >&2; echo "wrk gave no summary" >&2; exit 1; }
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["good_per_s"]=round((r["requests"]-r["non_2xx"])/(r["duration_us"]/1e6),1); print(json.dumps(r))' "$json"
}

RESULTS="$TMP/results.jsonl"
: >"$RESULTS"
record() {  # round, what, json
  python3 -c 'import json,sys; r=json.loads(sys.argv[3]); r.update(round=int(sys.argv[1]), what=sys.argv[2]); print(json.dumps(r))' \
    "$1" "$2" "$3" >>"$RESULTS"
  echo "round $1  $2  $3"
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "server: $SERVER; max_connections_per_address: ${PER_ADDRESS:-the server default}"
echo "uptime before: $(uptime)"
for round in $(seq 1 "$ROUNDS"); do
  start_server "$round"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -H 'Connection: close' -s bench/http/post_bodies.lua \
    "$SERVER_URL/v1/recommendations" -- "$TMP/recommend.bodies" >/dev/null  # warm-up
  record "$round" baseline "$(run_wrk)"

  python3 bench/http/slowloris.py --port "$SERVER_PORT" --connections "$ATTACK" --rate "$ATTACK_RATE" \
    >"$TMP/attack-$round.out" 2>"$TMP/attack-$round.err" &
  ATTACK_PID=$!
  PIDS+=("$ATTACK_PID")
  for _ in $(seq 1 600); do
    if grep -q '^ready' "$TMP/attack-$round.out"; then break; fi
    sleep 0.1
  done
  grep -q '^ready' "$TMP/attack-$round.out" || { cat "$TMP/attack-$round.err" >&2; echo "the attack did not start" >&2; exit 1; }
  record "$round" attack "$(run_wrk)"
  stop "$ATTACK_PID"
  echo "round $round  attacker: $(tail -1 "$TMP/attack-$round.out")"
  stop "$SERVER_PID"
done
echo "uptime after: $(uptime)"

python3 - "$RESULTS" "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
json.dump(rows, open(sys.argv[2], "w"), indent=1)
def med(what, key):
    return statistics.median(r[key] for r in rows if r["what"] == what)
base, attack = med("baseline", "good_per_s"), med("attack", "good_per_s")
for what in ("baseline", "attack"):
    share = statistics.median(r["non_2xx"] / max(1, r["requests"]) for r in rows if r["what"] == what)
    print(f"{what:8s}  good {med(what, 'good_per_s'):8.1f} req/s  non-2xx {share:6.1%}"
          f"  p50 {med(what, 'p50_us') / 1000:6.2f} ms  p99 {med(what, 'p99_us') / 1000:7.2f} ms")
print(f"ratio attack / baseline: {attack / base:.3f}")
PY
