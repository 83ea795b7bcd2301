#!/usr/bin/env python3
"""A slowloris client for the per-address connection limit benchmark.

Keeps up to --connections connections open from one source address (bind
to 127.0.0.2: Linux routes all of 127/8 to the loopback interface), each
sending a request header one line every --interval seconds and never ending
it. A connection the server closes (408 at its read timeout, 503 when it
refuses) is opened again, at most --rate new connections a second for all
of them together, as slowhttptest does. Prints "ready" once every
connection has been tried once, and on SIGTERM or SIGINT one JSON line of
counts: opened, refused (503), timed_out (408), closed without an answer,
connect errors.

  bench/http/slowloris.py --port 8080 [--source 127.0.0.2] [--connections 1000]
"""
import argparse
import asyncio
import json
import signal
import sys
import time


class Pacer:
    """At most `rate` connection attempts a second, shared by all tasks."""

    def __init__(self, rate):
        self.gap = 1.0 / rate
        self.next = time.monotonic()

    async def wait(self):
        now = time.monotonic()
        slot = max(now, self.next)
        self.next = slot + self.gap
        if slot > now:
            await asyncio.sleep(slot - now)


async def hold_one(args, pacer, counts, tried, stop):
    first = True
    while not stop.is_set():
        await pacer.wait()
        writer = None
        try:
            reader, writer = await asyncio.open_connection(
                args.host, args.port, local_addr=(args.source, 0))
            counts["opened"] += 1
            if first:
                first = False
                tried.append(1)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            await writer.drain()
            answer = b""
            while not stop.is_set():
                try:
                    data = await asyncio.wait_for(reader.read(4096), timeout=args.interval)
                except asyncio.TimeoutError:
                    writer.write(b"X-Slow: 1\r\n")
                    await writer.drain()
                    continue
                if not data:
                    break
                answer += data
            if answer.startswith(b"HTTP/1.1 503"):
                counts["refused"] += 1
            elif answer.startswith(b"HTTP/1.1 408"):
                counts["timed_out"] += 1
            elif not stop.is_set():
                counts["closed"] += 1
        except (ConnectionError, OSError):
            counts["connect_errors"] += 1
            if first:
                first = False
                tried.append(1)
        finally:
            if writer is not None:
                writer.close()


async def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--source", default="127.0.0.2", help="local address to connect from")
    p.add_argument("--connections", type=int, default=1000)
    p.add_argument("--interval", type=float, default=1.0, help="seconds between header lines")
    p.add_argument("--rate", type=float, default=200.0, help="new connections per second, at most")
    args = p.parse_args()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    counts = dict(opened=0, refused=0, timed_out=0, closed=0, connect_errors=0)
    tried = []
    pacer = Pacer(args.rate)
    tasks = [asyncio.create_task(hold_one(args, pacer, counts, tried, stop))
             for _ in range(args.connections)]
    announced = False
    while not stop.is_set():
        if not announced and len(tried) >= args.connections:
            print("ready", flush=True)
            announced = True
        try:
            await asyncio.wait_for(stop.wait(), timeout=0.1)
        except asyncio.TimeoutError:
            pass
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
