"""Load on ``kaohe serve``: concurrent single-record evaluations, a 10,000-record upload, and a
bounded spell of mixed load with the server's memory watched. Localhost only.

    python bench/serve_load.py [--clients 50] [--requests 5000] [--seconds 30] [--mixed-seconds 20]
                               [--workers 1] [--client raw|httpx] [--url http://127.0.0.1:PORT]

Without ``--url`` it starts ``kaohe serve --workers N`` itself on a free localhost port and
stops it at the end. Every phase is bounded by a count and a time. Prints the figures and
writes them as JSON to bench/out/serve_load.json. The clients run on the same machine (one
asyncio process): the single-record phase writes plain HTTP/1.1 on keep-alive connections
(``--client raw``, a few tens of microseconds per request) or uses httpx (about a millisecond),
so on a 2-core machine the client's own work is part of every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx2 as httpx  # the maintained successor Starlette's test client uses

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from generate import write  # noqa: E402

JX = "jiangxi-jiaoxuetong-2019"
EVAL = f"/policies/{JX}/entities/teacher/evaluate?as_of=2020-06-30"


def figures(client: str, clients: int, latencies: list[float], errors: int, wall: float) -> dict:
    """One single-record phase's figures: latency percentiles, throughput and the load."""
    return {
        "client": client,
        "load_average": os.getloadavg()[0],
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "per_second": round(len(latencies) / wall, 1),
    }


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def rss_kib(pid: int | None) -> int | None:
    """The resident memory of the server: its process and its worker processes, if any."""
    if pid is None:
        return None
    total = 0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for each in [pid, *map(int, children)]:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    except OSError:
        return None
    return total or None


def server_seconds(url: str, route: str) -> tuple[float, float]:
    """(sum of seconds, count) the server itself measured for ``route`` (from /metrics)."""
    total = count = 0.0
    for line in httpx.get(url + "/metrics", timeout=10).text.splitlines():
        if f'route="{route}"' in line:
            if line.startswith("kaohe_request_seconds_sum"):
                total = float(line.rsplit(" ", 1)[1])
            elif line.startswith("kaohe_request_seconds_count"):
                count = float(line.rsplit(" ", 1)[1])
    return total, count


def in_process(records: list[dict], count: int) -> dict:
    """The server's own cost per single-record evaluate: the ASGI app called directly, with
    no network and no HTTP client (the figure a faster client or a second machine approaches)."""
    sys.path.insert(0, str(ROOT))
    from engine.service.app import Settings, create_app
    from engine.service.catalog import installed_policy_dirs

    app = create_app(Settings(policies=installed_policy_dirs()))
    path, query = EVAL.split("?")

    async def call(body: bytes) -> int:
        scope = {
            "type": "http",
            "method": "POST",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "headers": [
                (b"host", b"127.0.0.1"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "scheme": "http",
            "http_version": "1.1",
            "root_path": "",
        }
        status = []
        sent = False

        async def receive():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app(scope, receive, send)
        return status[0]

    async def run() -> dict:
        bodies = [json.dumps([r]).encode() for r in records]
        for body in bodies[:50]:
            await call(body)
        times = []
        for n in range(count):
            started = time.perf_counter()
            assert await call(bodies[n % len(bodies)]) == 200
            times.append(time.perf_counter() - started)
        return {
            "requests": count,
            "p50_ms": round(statistics.median(times) * 1000, 3),
            "p99_ms": round(percentile(times, 99) * 1000, 3),
        }

    return asyncio.run(run())


def start_server(workers: int = 1) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "KAOHE_TOKEN"}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), "serve", "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("kaohe serve did not start")


def raw_request(path: str, body: bytes, host: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def single_raw(url: str, records: list[dict], clients: int, requests: int, seconds: float) -> dict:
    """``clients`` concurrent keep-alive connections, each posting one record at a time, written
    as plain HTTP/1.1 on asyncio streams: the client's own work per request is a few tens of
    microseconds (httpx spends about a millisecond), so on a shared 2-core machine the figure is
    mostly the server's. Every answer is checked: status 200 and a JSON array of one result."""
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    wire = [raw_request(EVAL, json.dumps([r]).encode(), f"{host}:{port}") for r in records]
    latencies: list[float] = []
    errors = 0
    issued = 0
    stop = time.monotonic() + seconds

    async def one_client(k: int):
        nonlocal errors, issued
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while issued < requests and time.monotonic() < stop:
                request = wire[issued % len(wire)]
                issued += 1
                started = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                at = head.lower().find(b"content-length:")
                length = int(head[at + 15 : head.index(b"\r\n", at)]) if at >= 0 else 0
                body = await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                if status != 200 or not body.startswith(b"[{") or len(json.loads(body)) != 1:
                    errors += 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(one_client(k) for k in range(clients)))
    wall = time.perf_counter() - began
    return figures("raw", clients, latencies, errors, wall)


async def single(url: str, records: list[dict], clients: int, requests: int, seconds: float) -> dict:
    """``clients`` concurrent clients, each posting one record at a time, through httpx."""
    latencies: list[float] = []
    errors = 0
    issued = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def one_client(k: int):
            nonlocal errors, issued
            while issued < requests and time.monotonic() < stop:
                record = records[issued % len(records)]
                issued += 1
                started = time.perf_counter()
                response = await client.post(EVAL, json=[record])
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200 or len(response.json()) != 1:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(one_client(k) for k in range(clients)))
        wall = time.perf_counter() - began
    return figures("httpx", clients, latencies, errors, wall)


def upload(url: str, csv_path: Path, n: int) -> dict:
    data = csv_path.read_bytes()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        response = httpx.post(url + EVAL, files={"file": (csv_path.name, data, "text/csv")}, timeout=60)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text[:500]
        assert response.headers["x-kaohe-total"] == str(n)
    return {
        "records": n,
        "bytes": len(data),
        "seconds_best": round(min(times), 3),
        "seconds_all": [round(t, 3) for t in times],
    }


async def mixed(url: str, records: list[dict], csv_small: bytes, seconds: float, pid: int | None) -> dict:
    """Mixed traffic for ``seconds``: single evaluations, small uploads, explains, listings."""
    errors: dict[str, int] = {}
    counts: dict[str, int] = {}
    memory = [rss_kib(pid)]
    stop = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def worker(k: int):
            n = k
            while time.monotonic() < stop:
                n += 1
                kind = ("single", "single", "single", "upload", "explain", "list")[n % 6]
                record = records[n % len(records)]
                if kind == "single":
                    response = await client.post(EVAL, json=[record])
                elif kind == "upload":
                    response = await client.post(EVAL, files={"file": ("t.csv", csv_small, "text/csv")})
                elif kind == "explain":
                    response = await client.post(EVAL.replace("/evaluate", "/explain"), json=record)
                else:
                    response = await client.get(f"/policies/{JX}")
                counts[kind] = counts.get(kind, 0) + 1
                if response.status_code != 200:
                    errors[kind] = errors.get(kind, 0) + 1

        async def watch():
            while time.monotonic() < stop:
                await asyncio.sleep(max(0.5, seconds / 10))
                memory.append(rss_kib(pid))

        await asyncio.gather(watch(), *(worker(k) for k in range(8)))
    memory.append(rss_kib(pid))
    known = [m for m in memory if m is not None]
    return {
        "seconds": seconds,
        "requests": counts,
        "errors": errors,
        "rss_kib": known,
        "rss_growth_kib": (known[-1] - known[1]) if len(known) > 2 else None,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server on this machine (default: start one)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=30.0, help="time bound of the single-record phase")
    parser.add_argument("--upload-records", type=int, default=10_000)
    parser.add_argument("--mixed-seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1, help="server processes (kaohe serve --workers)")
    parser.add_argument(
        "--client", choices=["raw", "httpx"], default="raw", help="the single-record phase's HTTP client"
    )
    parser.add_argument("--skip-in-process", action="store_true", help="skip the in-process figure")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 200 or not 1 <= args.requests <= 100_000:
        raise SystemExit("--clients must be 1..200 and --requests 1..100000")
    if args.seconds > 120 or args.mixed_seconds > 900 or args.upload_records > 50_000:
        raise SystemExit("bounds: --seconds <= 120, --mixed-seconds <= 900, --upload-records <= 50000")
    process = None
    url = args.url
    if url:
        host = urlparse(url).hostname or ""
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("this load script runs against localhost only")
    else:
        process, url = start_server(args.workers)
    pid = process.pid if process else None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            jsonl, csv_path = write(args.upload_records, tmp)
            records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()[:500]]
            small = "\n".join(csv_path.read_text(encoding="utf-8").splitlines()[:51]).encode()
            figures = {"rss_kib_start": rss_kib(pid), "workers": args.workers}
            if not args.skip_in_process:
                figures["in_process"] = in_process(records, min(args.requests, 2000))
            run_single = single_raw if args.client == "raw" else single
            asyncio.run(run_single(url, records, args.clients, min(args.requests, 500), 10))  # warm up
            route = "/policies/{pid}/entities/{entity}/evaluate"
            before = server_seconds(url, route)
            figures["single"] = asyncio.run(run_single(url, records, args.clients, args.requests, args.seconds))
            after = server_seconds(url, route)
            figures["single"]["server_mean_ms"] = round((after[0] - before[0]) / max(after[1] - before[1], 1) * 1000, 2)
            figures["upload"] = upload(url, csv_path, args.upload_records)
            figures["mixed"] = asyncio.run(mixed(url, records, small, args.mixed_seconds, pid))
            figures["rss_kib_end"] = rss_kib(pid)
    finally:
        if process:
            process.terminate()
            process.wait(10)
    s, u, m = figures["single"], figures["upload"], figures["mixed"]
    if "in_process" in figures:
        a = figures["in_process"]
        print(
            f"in process (ASGI app called directly): single-record evaluate p50 {a['p50_ms']} ms, p99 {a['p99_ms']} ms"
        )
    print(
        f"single-record evaluate, {s['clients']} clients ({s['client']} client, {args.workers} server process(es)): "
        f"{s['requests']} requests, p50 {s['p50_ms']} ms, "
        f"p99 {s['p99_ms']} ms, {s['per_second']}/s, {s['errors']} errors; server-side mean {s['server_mean_ms']} ms; "
        f"machine load average {s['load_average']:.1f}"
    )
    print(f"{u['records']}-record CSV upload ({u['bytes']} bytes): best {u['seconds_best']} s of {u['seconds_all']}")
    print(
        f"mixed load {m['seconds']} s: {sum(m['requests'].values())} requests {m['requests']}, errors {m['errors']}, "
        f"server RSS {m['rss_kib']} KiB"
    )
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "serve_load.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
