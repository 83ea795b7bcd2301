#!/usr/bin/env bash
# HTTP load in one run, against the peer on the same machine:
#  1. the disk's write+fdatasync rate in the server's data directory;
#  2. iisc-server (demo catalog, WAL synced per batch of needs):
#     POST /v1/recommendations at 16, 64 and 256 connections, every request
#     with a need of its own (bench/http/unique_needs.lua: the 66 public
#     needs, each description extended by four words from
#     bench/http/words.txt chosen by a per-request counter, so no answer
#     cache can serve a repeat), then durable POST /v1/needs at 64
#     connections;
#     with BASELINE_SERVER=path, the same recommendation runs against that
#     binary too, in the same round just before (to compare two builds
#     side by side);
#  3. nginx (Debian nginx-light, started here in the foreground on its own
#     port with its own temporary config) serving a static file of the size
#     of a recommendation response, at 16, 64 and 256 connections;
#  4. iisc-server again with [durability] sync_need_writes = false:
#     POST /v1/needs at 64 connections.
# Repeated ROUNDS times (default 3); prints every run and the medians with
# the ratios to the peers. Needs wrk, nginx and python3 (scripts/install-deps.sh).
#   bench/run_http_bench.sh [OUT.json]
# DURATION (default 10) seconds per wrk run; THREADS (default 2) wrk threads;
# BUILD_DIR (default build-bench, Release). Server and wrk share the cores:
# so do nginx and wrk, which is what makes the ratio fair.
# CONNECTIONS (default "16 64 256") for the recommendation and nginx runs;
# NEEDS=0 skips the POST /v1/needs runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
OUT="${1:-http_bench.json}"
BUILD_DIR="${BUILD_DIR:-build-bench}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-16 64 256}"
NEEDS="${NEEDS:-1}"
BASELINE_SERVER="${BASELINE_SERVER:-}"

for tool in wrk nginx python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/install-deps.sh" >&2; exit 2; }
done
NGINX="$(command -v nginx)"

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DIISC_BUILD_BENCH=ON -DIISC_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j2 --target iisc-server
SERVER="$ROOT/$BUILD_DIR/server/iisc-server"
OUR_SERVER="$SERVER"

TMP="$(mktemp -d /tmp/iisc-http-bench.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Request bodies: the labeled needs of the relevance evaluation, as
# recommendation requests and as needs to store.
# recommend.templates: the recommendation requests split by a tab where the
# description ends (unique_needs.lua inserts its words there).
python3 - "$ROOT/data/eval/public.jsonl" "$TMP/recommend.bodies" "$TMP/needs.bodies" "$TMP/recommend.templates" <<'PY'
import json, sys
src, rec, needs, templates = sys.argv[1:5]
MARK = "\x01END\x01"
with open(src) as f, open(rec, "w") as r, open(needs, "w") as n, open(templates, "w") as t:
    for line in f:
        if not line.strip():
            continue
        need = json.loads(line)["need"]
        r.write(json.dumps({"need": need, "k": 10}, ensure_ascii=False, separators=(",", ":")) + "\n")
        n.write(json.dumps(need, ensure_ascii=False, separators=(",", ":")) + "\n")
        marked = dict(need, description=need["description"] + MARK)
        body = json.dumps({"need": marked, "k": 10}, ensure_ascii=False, separators=(",", ":"))
        body = body.replace(json.dumps(MARK, ensure_ascii=False)[1:-1], "\t")
        assert body.count("\t") == 1
        t.write(body + "\n")
PY
WORDS="$ROOT/bench/http/words.txt"

# fsyncs/s of the disk under the data directory: 4 KiB writes, each followed
# by fdatasync, for 3 seconds.
fsync_rate() {
  python3 - "$1" <<'PY'
import os, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
block, n, t0 = b"x" * 4096, 0, time.monotonic()
while time.monotonic() - t0 < 3.0:
    os.write(fd, block)
    os.fdatasync(fd)
    n += 1
print(f"{n / (time.monotonic() - t0):.1f}")
os.close(fd)
os.unlink(path)
PY
}

# Starts iisc-server on a temporary config; sets SERVER_PID and SERVER_URL.
start_server() {
  local name="$1" sync="$2"
  local dir="$TMP/$name"
  mkdir -p "$dir/data"
  cat >"$dir/server.toml" <<EOF
[server]
listen = "127.0.0.1:0"
data_dir = "$dir/data"
[paths]
scoring_config = "$ROOT/configs/scoring.toml"
vocabulary_dir = "$ROOT/configs/vocabulary"
intent_corpus_dir = "$ROOT/configs/intent"
taxonomy_file = "$ROOT/data/taxonomy.json"
seed_catalog = "$ROOT/data/demo-catalog.jsonl"
[limits]
max_connections = 4096
max_connections_per_address = 4096  # every connection comes from one address here
max_inflight_requests = 4096
[access]
rate_limit_per_second = 0    # off: every request comes from one address here
[durability]
sync_need_writes = $sync
EOF
  "$SERVER" --config "$dir/server.toml" >"$dir/stdout" 2>"$dir/stderr" &
  SERVER_PID=$!
  CPU_PID=$SERVER_PID
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 300); do
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

# CPU time (utime + stime, in clock ticks, all threads) of the processes
# with the given ids and of their children (nginx's workers).
cpu_ticks() {
  local total=0 pid child
  for pid in "$@"; do
    for child in "$pid" $(pgrep -P "$pid" || true); do
      [ -r "/proc/$child/stat" ] || continue
      total=$((total + $(sed 's/^.*) //' "/proc/$child/stat" | awk '{print $12 + $13}')))
    done
  done
  echo "$total"
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# Runs wrk; prints its WRK_RESULT JSON with "cpu_us_per_request": the CPU
# time the process CPU_PID (and its children) spent per answered request,
# a cost that does not depend on what else shares the cores; fails on any
# error or non-2xx answer.
#   CPU_PID=pid run_wrk CONNECTIONS URL SCRIPT [SCRIPT ARGS...]
run_wrk() {
  local conns="$1" url="$2" script="$3"
  shift 3
  local out ticks_before ticks_after
  ticks_before="$(cpu_ticks "$CPU_PID")"
  out="$(wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" --timeout 10s -s "$script" "$url" -- "$@")"
  local json
  ticks_after="$(cpu_ticks "$CPU_PID")"
  json="$(sed -n 's/^WRK_RESULT //p' <<<"$out")"
  [ -n "$json" ] || { echo "$out" >&2; echo "wrk gave no summary" >&2; exit 1; }
  json="$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["cpu_us_per_request"]=round(int(sys.argv[2])*int(sys.argv[3])/max(r["requests"],1),1); print(json.dumps(r))' \
    "$json" "$((ticks_after - ticks_before))" "$TICK_US")"
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); bad=r["non_2xx"]+r["connect_errors"]+r["read_errors"]+r["write_errors"]+r["timeouts"]; sys.exit(1 if bad else 0)' "$json" \
    || { echo "$out" >&2; echo "errors or non-2xx answers under load" >&2; exit 1; }
  echo "$json"
}

RESULTS="$TMP/results.jsonl"
: >"$RESULTS"
record() {  # round, what, connections, json
  python3 -c 'import json,sys; r=json.loads(sys.argv[4]); r.update(round=int(sys.argv[1]), what=sys.argv[2], connections=int(sys.argv[3])); print(json.dumps(r))' \
    "$1" "$2" "$3" "$4" >>"$RESULTS"
  echo "round $1  $2  c=$3  $4"
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "uptime before: $(uptime)"
for round in $(seq 1 "$ROUNDS"); do
  mkdir -p "$TMP/probe"
  fsyncs="$(fsync_rate "$TMP/probe")"
  echo "{\"fsyncs_per_s\": $fsyncs, \"round\": $round, \"what\": \"disk fsync\", \"connections\": 0}" >>"$RESULTS"
  echo "round $round  disk: $fsyncs write+fdatasync per second"

  # --- the baseline binary, if any: unique needs only
  if [ -n "$BASELINE_SERVER" ]; then
    SERVER="$BASELINE_SERVER"
    start_server "base-$round" true
    RECO_URL="$SERVER_URL/v1/recommendations"
    wrk -t"$THREADS" -c16 -d2s -s bench/http/post_bodies.lua "$RECO_URL" -- "$TMP/recommend.bodies" >/dev/null  # warm-up
    for c in $CONNECTIONS; do
      record "$round" "baseline POST /v1/recommendations unique needs" "$c" \
        "$(run_wrk "$c" "$RECO_URL" bench/http/unique_needs.lua "$TMP/recommend.templates" "$WORDS" "$THREADS")"
    done
    stop "$SERVER_PID"
    SERVER="$OUR_SERVER"
  fi

  # --- iisc-server, needs synced
  start_server "sync-$round" true
  RECO_URL="$SERVER_URL/v1/recommendations"
  # The first request unique_needs.lua sends: its answer's size is nginx's file.
  BODY="$(head -1 "$TMP/recommend.templates" | python3 -c 'import sys,pathlib; a,b=sys.stdin.read().rstrip("\n").split("\t"); w=pathlib.Path(sys.argv[1]).read_text().split(); print(a+" "+" ".join([w[0]]*4)+b)' "$WORDS")"
  curl -sf -H 'Content-Type: application/json' -d "$BODY" "$RECO_URL" >"$TMP/response.json"
  wrk -t"$THREADS" -c16 -d2s -s bench/http/post_bodies.lua "$RECO_URL" -- "$TMP/recommend.bodies" >/dev/null  # warm-up
  for c in $CONNECTIONS; do
    record "$round" "iisc POST /v1/recommendations unique needs" "$c" \
      "$(run_wrk "$c" "$RECO_URL" bench/http/unique_needs.lua "$TMP/recommend.templates" "$WORDS" "$THREADS")"
  done
  if [ "$NEEDS" != 0 ]; then
    record "$round" "iisc POST /v1/needs (WAL synced)" 64 \
      "$(run_wrk 64 "$SERVER_URL/v1/needs" bench/http/post_bodies.lua "$TMP/needs.bodies")"
  fi
  stop "$SERVER_PID"

  # --- nginx, a static file the size of the recommendation response
  NG="$TMP/nginx-$round"
  mkdir -p "$NG/www" "$NG/tmp"
  cp "$TMP/response.json" "$NG/www/response.json"
  NPORT="$(free_port)"
  cat >"$NG/nginx.conf" <<EOF
worker_processes $(nproc);
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 10000000;
  client_body_temp_path $NG/tmp/body;
  proxy_temp_path $NG/tmp/proxy;
  fastcgi_temp_path $NG/tmp/fastcgi;
  uwsgi_temp_path $NG/tmp/uwsgi;
  scgi_temp_path $NG/tmp/scgi;
  server {
    listen 127.0.0.1:$NPORT;
    root $NG/www;
  }
}
EOF
  # Run as root, nginx's workers drop to nobody: they must be able to read the tree.
  chmod -R a+rX "$TMP"
  "$NGINX" -p "$NG" -c "$NG/nginx.conf" -g 'daemon off;' 2>"$NG/stderr" &
  NGINX_PID=$!
  CPU_PID=$NGINX_PID
  PIDS+=("$NGINX_PID")
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$NPORT/response.json" -o /dev/null && break
    sleep 0.1
  done
  cmp -s "$NG/www/response.json" <(curl -sf "http://127.0.0.1:$NPORT/response.json") \
    || { cat "$NG/stderr" "$NG/error.log" >&2; echo "nginx did not serve the file" >&2; exit 1; }
  for c in $CONNECTIONS; do
    record "$round" "nginx GET static $(stat -c %s "$NG/www/response.json") B" "$c" \
      "$(run_wrk "$c" "http://127.0.0.1:$NPORT/response.json" bench/http/get_summary.lua)"
  done
  stop "$NGINX_PID"

  # --- iisc-server, WAL sync off
  if [ "$NEEDS" != 0 ]; then
    start_server "nosync-$round" false
    record "$round" "iisc POST /v1/needs (WAL sync off)" 64 \
      "$(run_wrk 64 "$SERVER_URL/v1/needs" bench/http/post_bodies.lua "$TMP/needs.bodies")"
    stop "$SERVER_PID"
  fi
done
echo "uptime after: $(uptime)"

python3 - "$RESULTS" "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
json.dump(rows, open(sys.argv[2], "w"), indent=1)
def med(what, conns, key):
    vals = [r[key] for r in rows if r["what"].startswith(what) and r["connections"] == conns]
    return statistics.median(vals) if vals else None
print("\nmedians over rounds (recommendations: every need distinct)")
conns = sorted({r["connections"] for r in rows if r["what"].startswith("nginx")})
for who in ("baseline", "iisc"):
    for c in conns:
        what = f"{who} POST /v1/recommendations"
        i = med(what, c, "req_per_s")
        if i is None:
            continue
        n = med("nginx GET static", c, "req_per_s")
        p50 = med(what, c, "p50_us")
        p99 = med(what, c, "p99_us")
        cpu, ncpu = med(what, c, "cpu_us_per_request"), med("nginx GET static", c, "cpu_us_per_request")
        print(f"{who:8s} c={c:3d}  recommendations {i:9.0f} req/s  p50 {p50/1000:6.2f} ms  p99 {p99/1000:6.2f} ms"
              f"   nginx {n:9.0f} req/s   ratio {i/n:.3f}"
              f"   CPU/request {cpu:.1f} us (nginx {ncpu:.1f} us, ratio {ncpu/cpu:.3f})")
if not any(r["what"].startswith("iisc POST /v1/needs") for r in rows):
    sys.exit(0)
synced = med("iisc POST /v1/needs (WAL synced)", 64, "req_per_s")
nosync = med("iisc POST /v1/needs (WAL sync off)", 64, "req_per_s")
fsyncs = med("disk fsync", 0, "fsyncs_per_s")
print(f"durable needs c=64: {synced:.0f} req/s (p99 {med('iisc POST /v1/needs (WAL synced)', 64, 'p99_us')/1000:.2f} ms);"
      f" WAL sync off {nosync:.0f} req/s; ratio {synced/nosync:.3f}")
print(f"disk: {fsyncs:.0f} fsyncs/s; durable needs per fsync-second: {synced/fsyncs:.2f}")
PY
