"""``ledger-verify`` on a log served in the tlog-tiles layout over HTTP, against the same
log as an export directory: ``LEDGER_BENCH_TILES_RECORDS`` records (default 200,000)
exported, served from another process (the standard library's file server, so that the
figure is the client's), verified in full over HTTP and from the directory (one process
each), then ``LEDGER_BENCH_TILES_NEW`` more (default 10,000) verified over HTTP from the
pin state the full run left. Records are made as the ledger makes them
(``tests.unit.verify.ledgers``), 50,000 incidents interleaved. The last line printed is
one JSON object.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
from ledger_verify import export, note, pin_state, served
from ledger_verify.remote import Remote
from ledger_verify.report import Report

from tests.unit.verify.ledgers import KEY, build

N = int(os.environ.get("LEDGER_BENCH_TILES_RECORDS", "200000"))
NEW = int(os.environ.get("LEDGER_BENCH_TILES_NEW", "10000"))
KEYS = [note.parse_verifier(KEY)]


def _timed(run: Callable[[], Report]) -> tuple[Report, float]:
    started = time.perf_counter()
    report = run()
    assert report.exit_code == 0, report.render_text()
    return report, time.perf_counter() - started


def _serving(directory: Path) -> tuple[subprocess.Popen[bytes], Remote]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    server = subprocess.Popen(
        [*command, "--protocol", "HTTP/1.1", "--directory", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return server, Remote(f"http://127.0.0.1:{port}")


def main() -> dict[str, object]:
    base = Path(tempfile.mkdtemp())
    ledger = build([f"INC-{i * 7919 % 50_000}" for i in range(N + NEW)])
    first, later = ledger.export(base / "first", N), ledger.export(base / "later")
    local, local_s = _timed(lambda: export.verify(first, KEYS, workers=1))
    (base / "log").symlink_to(first)
    server, remote = _serving(base)
    try:
        url = Remote(remote.prefix + "/log")
        full, full_s = _timed(lambda: served.verify(url, KEYS))
        assert full.state == local.state
        assert full.state is not None
        (base / "log").unlink()
        (base / "log").symlink_to(later)
        pinned = pin_state.open_state(full.state, KEYS)
        since, since_s = _timed(lambda: served.verify(url, KEYS, state=pinned))
    finally:
        server.terminate()
        server.wait()
    return {
        "records": N,
        "new_records": NEW,
        "export_eps_one_process": round(N / local_s),
        "tiles_full_eps": round(N / full_s),
        "tiles_over_export": round(local_s / full_s, 2),
        "tiles_incremental_seconds": round(since_s, 3),
        "tiles_incremental_eps": round(since.events / since_s),
        "read_over_new": since.events / NEW,
    }


if __name__ == "__main__":
    print(msgspec.json.encode(main()).decode())
