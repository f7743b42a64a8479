"""A small HTTP/1.1 load generator, run as its own process so that it never shares a core's
event loop with the server it measures: ``python -m tests.bench.load URL SECONDS
CONCURRENCY [TOKEN]``. Keep-alive connections, one request in flight on each; prints one
JSON object: requests, errors, req/s and latency percentiles."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from urllib.parse import urlsplit

import msgspec


async def _response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = {
        k.strip().lower(): v.strip()
        for k, _, v in (line.partition(b":") for line in head.split(b"\r\n")[1:])
    }
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
        return status
    while size := int((await reader.readuntil(b"\r\n")).strip(), 16):  # chunked
        await reader.readexactly(size + 2)
    await reader.readuntil(b"\r\n")
    return status


async def _worker(url: str, token: str, until: float, took: list[float], bad: list[int]) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    request = f"GET {path} HTTP/1.1\r\nHost: {parts.hostname}\r\n{auth}\r\n".encode()
    while time.perf_counter() < until:
        started = time.perf_counter()
        writer.write(request)
        status = await _response(reader)
        took.append(time.perf_counter() - started)
        if status != 200:
            bad.append(status)
    writer.close()


async def run(url: str, seconds: float, concurrency: int, token: str = "") -> dict[str, float]:
    took: list[float] = []
    bad: list[int] = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_worker(url, token, until, took, bad) for _ in range(concurrency)))
    ordered = sorted(took)
    return {
        "requests": len(took),
        "errors": len(bad),
        "rps": round(len(took) / seconds, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 2),
    }


if __name__ == "__main__":
    url, seconds, concurrency = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    token = sys.argv[4] if len(sys.argv) > 4 else ""
    print(msgspec.json.encode(asyncio.run(run(url, seconds, concurrency, token))).decode())
