#!/usr/bin/env bash
# HTTP load in one run, against the peer on the same machine:
#  1. the disk's write+fdatasync rate in the server's data directory;
#  2. iisc-server (demo catalog, WAL synced per batch of needs):
#     POST /v1/recommendations at 16, 64 and 256 connections, then durable
#     POST /v1/needs at 64 connections;
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
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
OUT="${1:-http_bench.json}"
BUILD_DIR="${BUILD_DIR:-build-bench}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
THREADS="${THREADS:-2}"

for tool in wrk nginx python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/install-deps.sh" >&2; exit 2; }
done
NGINX="$(command -v nginx)"

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DIISC_BUILD_BENCH=ON -DIISC_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j2 --target iisc-server
SERVER="$ROOT/$BUILD_DIR/server/iisc-server"

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
python3 - "$ROOT/data/eval/public.jsonl" "$TMP/recommend.bodies" "$TMP/needs.bodies" <<'PY'
import json, sys
src, rec, needs = sys.argv[1:4]
with open(src) as f, open(rec, "w") as r, open(needs, "w") as n:
    for line in f:
        if not line.strip():
            continue
        need = json.loads(line)["need"]
        r.write(json.dumps({"need": need, "k": 10}, ensure_ascii=False, separators=(",", ":")) + "\n")
        n.write(json.dumps(need, ensure_ascii=False, separators=(",", ":")) + "\n")
PY

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

# Runs wrk; prints its WRK_RESULT JSON; fails on any error or non-2xx answer.
#   run_wrk CONNECTIONS URL SCRIPT [SCRIPT ARGS...]
run_wrk() {
  local conns="$1" url="$2" script="$3"
  shift 3
  local out
  out="$(wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" --timeout 10s -s "$script" "$url" -- "$@")"
  local json
  json="$(sed -n 's/^WRK_RESULT //p' <<<"$out")"
  [ -n "$json" ] || { echo "$out" >&2; echo "wrk gave no summary" >&2; exit 1; }
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

  # --- iisc-server, needs synced
  start_server "sync-$round" true
  RECO_URL="$SERVER_URL/v1/recommendations"
  BODY="$(head -1 "$TMP/recommend.bodies")"
  curl -sf -H 'Content-Type: application/json' -d "$BODY" "$RECO_URL" >"$TMP/response.json"
  wrk -t"$THREADS" -c16 -d2s -s bench/http/post_bodies.lua "$RECO_URL" -- "$TMP/recommend.bodies" >/dev/null  # warm-up
  for c in 16 64 256; do
    record "$round" "iisc POST /v1/recommendations" "$c" \
      "$(run_wrk "$c" "$RECO_URL" bench/http/post_bodies.lua "$TMP/recommend.bodies")"
  done
  record "$round" "iisc POST /v1/needs (WAL synced)" 64 \
    "$(run_wrk 64 "$SERVER_URL/v1/needs" bench/http/post_bodies.lua "$TMP/needs.bodies")"
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
  PIDS+=("$NGINX_PID")
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$NPORT/response.json" -o /dev/null && break
    sleep 0.1
  done
  cmp -s "$NG/www/response.json" <(curl -sf "http://127.0.0.1:$NPORT/response.json") \
    || { cat "$NG/stderr" "$NG/error.log" >&2; echo "nginx did not serve the file" >&2; exit 1; }
  for c in 16 64 256; do
    record "$round" "nginx GET static $(stat -c %s "$NG/www/response.json") B" "$c" \
      "$(run_wrk "$c" "http://127.0.0.1:$NPORT/response.json" bench/http/get_summary.lua)"
  done
  stop "$NGINX_PID"

  # --- iisc-server, WAL sync off
  start_server "nosync-$round" false
  record "$round" "iisc POST /v1/needs (WAL sync off)" 64 \
    "$(run_wrk 64 "$SERVER_URL/v1/needs" bench/http/post_bodies.lua "$TMP/needs.bodies")"
  stop "$SERVER_PID"
done
echo "uptime after: $(uptime)"

python3 - "$RESULTS" "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
json.dump(rows, open(sys.argv[2], "w"), indent=1)
def med(what, conns, key):
    vals = [r[key] for r in rows if r["what"].startswith(what) and r["connections"] == conns]
    return statistics.median(vals) if vals else None
print("\nmedians over rounds")
for c in (16, 64, 256):
    i = med("iisc POST /v1/recommendations", c, "req_per_s")
    n = med("nginx GET static", c, "req_per_s")
    p50 = med("iisc POST /v1/recommendations", c, "p50_us")
    p99 = med("iisc POST /v1/recommendations", c, "p99_us")
    print(f"c={c:3d}  recommendations {i:9.0f} req/s  p50 {p50/1000:6.2f} ms  p99 {p99/1000:6.2f} ms"
          f"   nginx {n:9.0f} req/s   ratio {i/n:.3f}")
synced = med("iisc POST /v1/needs (WAL synced)", 64, "req_per_s")
nosync = med("iisc POST /v1/needs (WAL sync off)", 64, "req_per_s")
fsyncs = med("disk fsync", 0, "fsyncs_per_s")
print(f"durable needs c=64: {synced:.0f} req/s (p99 {med('iisc POST /v1/needs (WAL synced)', 64, 'p99_us')/1000:.2f} ms);"
      f" WAL sync off {nosync:.0f} req/s; ratio {synced/nosync:.3f}")
print(f"disk: {fsyncs:.0f} fsyncs/s; durable needs per fsync-second: {synced/fsyncs:.2f}")
PY
