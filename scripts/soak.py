#!/usr/bin/env python3
"""Soak test: sustained mixed load on a real iisc-server for a bounded time.

Starts the server on a temporary data directory (or targets a running one
with --url and --pid), then keeps a steady request rate for --duration
seconds: recommendations, needs stored, and stored needs read back with their
access token and compared with what was sent. Reports error counts, latency
percentiles per operation and the server's resident memory sampled over time.

Fails (exit 1) on any error (an unexpected status, a refused or dropped
connection, a need read back different from what was stored), when the
server dies, or when its resident memory after the warm-up grows by more than
--max-rss-growth-mb. Python 3 standard library only.

  scripts/soak.py --duration 1800            # the long run (see README, Tests)
  scripts/soak.py --duration 20 --warmup 5   # the smoke run of scripts/test.sh
"""

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Operation mix: most traffic is ranking, a quarter stores needs, the rest
# reads stored needs back.
MIX = (("recommend", 0.60), ("store", 0.25), ("read", 0.15))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    p.add_argument("--rate", type=float, default=150,
                   help="requests per second, all clients together (default 150, below the "
                        "default per-client rate limit)")
    p.add_argument("--clients", type=int, default=4, help="concurrent keep-alive connections")
    p.add_argument("--warmup", type=float, default=None,
                   help="seconds before the memory baseline is taken (default: a quarter of "
                        "the duration, at most 60)")
    p.add_argument("--max-rss-growth-mb", type=float, default=64,
                   help="allowed growth of resident memory after the warm-up (default 64)")
    p.add_argument("--sample-every", type=float, default=1.0, help="seconds between RSS samples")
    p.add_argument("--server", default=str(ROOT / "build/server/iisc-server"),
                   help="server binary to start (default build/server/iisc-server)")
    p.add_argument("--config", default=str(ROOT / "configs/server.toml"))
    p.add_argument("--url", help="load a running server instead, e.g. http://127.0.0.1:8080")
    p.add_argument("--pid", type=int, help="with --url: the server's pid, for memory samples")
    p.add_argument("--report", help="also write the results as JSON to this file")
    return p.parse_args()


def descriptions():
    """Needs of the public evaluation set: realistic text in both languages."""
    out = []
    with open(ROOT / "data/eval/public.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line)["need"])
    return out


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def start_server(args, data_dir):
    proc = subprocess.Popen(
        [args.server, "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--config", args.config],
        stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit(f"server exited before listening (code {proc.wait()})")
        if line.startswith("listening on http://"):
            host_port = line.strip()[len("listening on http://"):]
            host, port = host_port.rsplit(":", 1)
            # Keep draining stdout so the server never blocks on a full pipe.
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, host, int(port)
    proc.kill()
    raise SystemExit("server did not report its port within 120 s")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = {name: [] for name, _ in MIX}
        self.errors = {}
        self.first_errors = []

    def ok(self, op, seconds):
        with self.lock:
            self.latency[op].append(seconds)

    def error(self, kind, detail):
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if len(self.first_errors) < 10:
                self.first_errors.append(f"{kind}: {detail}"[:300])


class Client(threading.Thread):
    def __init__(self, host, port, needs, stats, stored, stored_lock, pace, stop_at, seed):
        super().__init__(daemon=True)
        self.host, self.port = host, port
        self.needs, self.stats = needs, stats
        self.stored, self.stored_lock = stored, stored_lock
        self.pace, self.stop_at = pace, stop_at
        self.random = random.Random(seed)
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        hdrs = {"Content-Type": "application/json"} if body is not None else {}
        hdrs.update(headers or {})
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                res = self.conn.getresponse()
                data = res.read()
                if res.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return res.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed (idle timeout) is
                # retried once on a fresh one; a second failure is an error.
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def one(self, op):
        need = dict(self.random.choice(self.needs))
        if op == "read":
            with self.stored_lock:
                if not self.stored:
                    op = "store"
                else:
                    need_id, token, sent = self.random.choice(self.stored)
        start = time.monotonic()
        if op == "recommend":
            status, data = self.request("POST", "/v1/recommendations",
                                        json.dumps({"need": need, "k": 10}).encode())
            expect = 200
        elif op == "store":
            need["description"] += f" #{self.random.randrange(1 << 30)}"
            status, data = self.request("POST", "/v1/needs", json.dumps(need).encode())
            expect = 201
        else:
            status, data = self.request("GET", f"/v1/needs/{need_id}",
                                        headers={"Authorization": f"Bearer {token}"})
            expect = 200
        elapsed = time.monotonic() - start
        if status != expect:
            self.stats.error(f"{op} {status}", data.decode("utf-8", "replace"))
            return
        body = json.loads(data)
        if op == "store":
            with self.stored_lock:
                self.stored.append((body["id"], body["access_token"], need))
        elif op == "read":
            got = body["need"]
            for key, value in sent.items():
                if got.get(key) != value:
                    self.stats.error("read mismatch", f"{need_id}.{key}: {got.get(key)!r} != {value!r}")
                    return
        self.stats.ok(op, elapsed)

    def run(self):
        names = [name for name, _ in MIX]
        weights = [w for _, w in MIX]
        next_at = time.monotonic()
        while True:
            next_at += self.pace
            now = time.monotonic()
            if now >= self.stop_at:
                break
            if next_at > now:
                time.sleep(next_at - now)
            op = self.random.choices(names, weights)[0]
            try:
                self.one(op)
            except (OSError, http.client.HTTPException, ValueError) as e:
                self.stats.error(f"{op} connection", repr(e))
                if self.conn is not None:
                    self.conn.close()
                    self.conn = None


def percentiles(values):
    if not values:
        return {}
    values = sorted(values)

    def at(q):
        return values[min(len(values) - 1, int(q * len(values)))] * 1000

    return {"count": len(values), "p50_ms": round(at(0.50), 2), "p90_ms": round(at(0.90), 2),
            "p99_ms": round(at(0.99), 2), "max_ms": round(values[-1] * 1000, 2)}


def main():
    args = parse_args()
    warmup = args.warmup if args.warmup is not None else min(60.0, args.duration / 4)
    needs = descriptions()
    proc = None
    tmp = None
    if args.url:
        hostport = args.url.split("://", 1)[-1].rstrip("/")
        host, port = hostport.rsplit(":", 1)
        port = int(port)
        pid = args.pid
    else:
        tmp = tempfile.TemporaryDirectory(prefix="iisc-soak-")
        proc, host, port = start_server(args, tmp.name)
        pid = proc.pid

    stats = Stats()
    stored, stored_lock = [], threading.Lock()
    start = time.monotonic()
    stop_at = start + args.duration
    pace = args.clients / args.rate
    clients = [Client(host, port, needs, stats, stored, stored_lock, pace, stop_at, seed=i)
               for i in range(args.clients)]
    for c in clients:
        c.start()

    samples = []  # (seconds since start, RSS KiB)
    died = False
    while any(c.is_alive() for c in clients):
        if pid is not None:
            rss = rss_kib(pid)
            if rss is None:
                died = True
                break
            samples.append((round(time.monotonic() - start, 1), rss))
        time.sleep(args.sample_every)
    for c in clients:
        c.join(timeout=60)

    exit_code = None
    if proc is not None:
        if proc.poll() is not None:
            died = True
        else:
            proc.send_signal(signal.SIGTERM)
            try:
                exit_code = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                exit_code = "hung on SIGTERM"
    if tmp is not None:
        tmp.cleanup()

    after_warmup = [rss for t, rss in samples if t >= warmup]
    window = max(1, len(after_warmup) // 10)
    baseline = statistics.median(after_warmup[:window]) if after_warmup else None
    final = statistics.median(after_warmup[-window:]) if after_warmup else None
    growth_mb = (final - baseline) / 1024 if after_warmup else None
    # Least-squares slope over the second half: a plateau (caches and memtables
    # full) is near 0, a leak stays positive.
    late = [(t, rss) for t, rss in samples if t >= args.duration / 2]
    slope = None
    if len(late) >= 3:
        mean_t = statistics.fmean(t for t, _ in late)
        mean_r = statistics.fmean(r for _, r in late)
        var_t = sum((t - mean_t) ** 2 for t, _ in late)
        if var_t > 0:
            slope = sum((t - mean_t) * (r - mean_r) for t, r in late) / var_t * 60 / 1024
    requests = sum(len(v) for v in stats.latency.values())
    errors = sum(stats.errors.values())
    report = {
        "duration_s": args.duration,
        "rate_target_rps": args.rate,
        "clients": args.clients,
        "requests_ok": requests,
        "throughput_rps": round(requests / args.duration, 1),
        "errors": stats.errors,
        "first_errors": stats.first_errors,
        "latency": {op: percentiles(v) for op, v in stats.latency.items()},
        "rss_mib": {
            "warmup_s": warmup,
            "baseline": round(baseline / 1024, 1) if baseline else None,
            "final": round(final / 1024, 1) if final else None,
            "max": round(max(r for _, r in samples) / 1024, 1) if samples else None,
            "growth": round(growth_mb, 1) if growth_mb is not None else None,
            "second_half_slope_mib_per_min": round(slope, 2) if slope is not None else None,
            "bound": args.max_rss_growth_mb,
            "samples": len(samples),
        },
        "server_exit": exit_code,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.report:
        Path(args.report).write_text(json.dumps({**report, "rss_samples_kib": samples}, indent=2))

    failures = []
    if died:
        failures.append("the server died during the run")
    if errors:
        failures.append(f"{errors} errors")
    if growth_mb is not None and growth_mb > args.max_rss_growth_mb:
        failures.append(f"resident memory grew {growth_mb:.1f} MiB after the warm-up "
                        f"(bound {args.max_rss_growth_mb} MiB)")
    if requests == 0:
        failures.append("no request succeeded")
    if exit_code not in (None, 0):
        failures.append(f"server exit on SIGTERM: {exit_code}")
    if failures:
        print("SOAK FAILED: " + "; ".join(failures), file=sys.stderr)
        return 1
    print("soak passed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
