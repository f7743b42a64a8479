"""What ``ledger-verify`` makes of a hostile or broken server: an answer that inflates
past the limit (a gzip bomb), one that is not gzip or is cut short, and one dripped a
byte at a time are each a "malformed" finding (exit 2) within the deadline, never a
traceback or a hang."""

from __future__ import annotations

import gzip
import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from ledger_verify import served
from ledger_verify.remote import Remote, Unreachable, gunzip
from ledger_verify.report import MALFORMED, Malformed
from ledger_verify.watch import Watch

pytestmark = pytest.mark.unit

LIMIT = 4096
TEXT = b"incident-ledger\n1\n"
ANSWERS = {
    "/ok/checkpoint": gzip.compress(TEXT),
    "/bomb/checkpoint": gzip.compress(bytes(LIMIT * 64)),  # ~300 bytes sent
    "/corrupt/checkpoint": b"\x1f\x8b\x08\x00not a deflate stream at all",
    "/cut/checkpoint": gzip.compress(TEXT * 50)[:-12],
    "/trailing/checkpoint": gzip.compress(TEXT) + b"junk",
}


class _Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/drip/checkpoint":
            return self._drip()
        if self.path == "/problem/checkpoint":
            return self._problem()
        body = ANSWERS[self.path]
        self.send_response(200)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for byte in TEXT * 60:  # each byte well within the socket timeout
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.02)
        except OSError:
            return  # the reader gave up

    def _problem(self) -> None:
        body = json.dumps({"status": 500, "detail": "the record at position 3 is too long"})
        self.send_response(500)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _remote(origin: str, name: str) -> Remote:
    return Remote(f"{origin}/{name}", timeout=1.0, deadline=0.3, limit=LIMIT)


def test_a_gzip_answer_within_the_limit_is_inflated(origin: str) -> None:
    assert _remote(origin, "ok").get("checkpoint") == TEXT


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("bomb", "inflates to more than any tile"),
        ("corrupt", "not valid gzip"),
        ("cut", "cut short"),
        ("trailing", "bytes after its gzip stream"),
    ],
)
def test_a_broken_gzip_answer_is_a_malformed_finding(origin: str, name: str, why: str) -> None:
    """Given a server answering gzip that is no tile, when the log is verified, then the
    report is malformed (exit 2) and says why."""
    with pytest.raises(Malformed, match=why):
        _remote(origin, name).get("checkpoint")
    report = served.verify(_remote(origin, name), [])
    assert report.exit_code == MALFORMED
    assert why in report.render_text()


def test_an_answer_dripped_slowly_is_given_up_at_the_deadline(origin: str, tmp_path: Path) -> None:
    """Given a server sending one byte at a time, never silent long enough for the socket
    timeout, when the checkpoint is read, then the read stops at the deadline."""
    started = time.monotonic()
    with pytest.raises(Unreachable, match="deadline"):
        _remote(origin, "drip").get("checkpoint")
    assert time.monotonic() - started < 1.0
    watch = Watch(_remote(origin, "drip"), [], tmp_path / "pin.json", out=io.StringIO())
    assert watch.round() == MALFORMED
    assert watch.unreachable


@pytest.mark.parametrize("cut", range(0, 20, 3))
def test_any_prefix_of_a_gzip_stream_is_refused_or_whole(cut: int) -> None:
    whole = gzip.compress(TEXT)
    if cut == 0:
        assert gunzip("x", whole, LIMIT) == TEXT
    else:
        with pytest.raises(Malformed):
            gunzip("x", whole[:-cut], LIMIT)


def test_an_error_answer_is_reported_with_its_problem_detail(origin: str) -> None:
    with pytest.raises(Unreachable, match="answered 500: 'the record at position 3 is too long'"):
        _remote(origin, "problem").get("checkpoint")
