"""``ledger-verify`` on a log served as static tlog-tiles files over HTTP (an export
directory behind the standard library's file server): in full and from a pin state it
finds what it finds in the directory, and ``watch`` reports each new checkpoint and
alerts on a rollback."""

from __future__ import annotations

import functools
import io
import socket
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from ledger_verify import cli, export, note, pin_state, served
from ledger_verify.remote import Remote
from ledger_verify.report import MALFORMED, TAMPERED, UNTRUSTED, VALID
from ledger_verify.tiles import tile_path
from ledger_verify.watch import Watch

from tests.unit.verify.ledgers import KEY, build

pytestmark = pytest.mark.unit

INCIDENTS = [f"INC-{i * 7 % 5}" for i in range(700)]
LEDGER = build(INCIDENTS)
KEYS = [note.parse_verifier(KEY)]
PIN = 300


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, Remote]]:
    """A file server whose root is ``tmp_path/log``: a symlink the test points at an export."""
    handler = functools.partial(_Quiet, directory=str(tmp_path / "log"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path / "log", Remote(f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()


def _serve(link: Path, directory: Path) -> None:
    link.unlink(missing_ok=True)
    link.symlink_to(directory, target_is_directory=True)


def _state_at(tmp_path: Path, size: int) -> pin_state.Pinned:
    report = export.verify(LEDGER.export(tmp_path / f"export-{size}", size), KEYS)
    assert report.state is not None, report.render_text()
    return pin_state.open_state(report.state, KEYS)


def test_a_served_log_verifies_in_full_and_from_a_pin(
    site: tuple[Path, Remote], tmp_path: Path
) -> None:
    link, remote = site
    _serve(link, LEDGER.export(tmp_path / "export"))
    full = served.verify(remote, KEYS)
    assert (full.exit_code, full.events, full.kind) == (VALID, len(INCIDENTS), "tiles")
    assert full.state == export.verify(tmp_path / "export", KEYS).state
    since = served.verify(remote, KEYS, state=_state_at(tmp_path, PIN))
    assert (since.exit_code, since.events) == (VALID, len(INCIDENTS) - PIN)
    assert since.state == full.state


def test_a_record_edited_after_the_pin_is_named(site: tuple[Path, Remote], tmp_path: Path) -> None:
    link, remote = site
    directory = LEDGER.export(tmp_path / "export")
    bundle = directory / tile_path("entries", 1)
    data = bytearray(bundle.read_bytes())
    data[40] ^= 1  # inside the first record of the bundle, position 257
    bundle.write_bytes(bytes(data))
    _serve(link, directory)
    for report in (
        served.verify(remote, KEYS),
        served.verify(remote, KEYS, state=_state_at(tmp_path, PIN - 50)),
    ):
        assert report.exit_code == TAMPERED, report.render_text()
        assert 257 in {f.position for f in report.findings}


def test_watch_follows_new_checkpoints_and_alerts_on_a_rollback(
    site: tuple[Path, Remote], tmp_path: Path
) -> None:
    link, remote = site
    state, out = tmp_path / "pin.json", io.StringIO()
    watch = Watch(remote, KEYS, state, out, clock=lambda: "T")
    _serve(link, LEDGER.export(tmp_path / "small", PIN))
    assert watch.run(interval=0, once=True) == VALID  # no state yet: everything, then pinned
    _serve(link, LEDGER.export(tmp_path / "large"))
    assert watch.run(interval=0, once=True) == VALID
    assert watch.run(interval=0, once=True) == VALID  # nothing new: no line
    _serve(link, tmp_path / "small")
    assert watch.run(interval=0, once=True) == UNTRUSTED
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"T checkpoint {PIN} ")
    assert "verified in full" in lines[0]
    assert f"consistent with {PIN}, {len(INCIDENTS) - PIN} records checked" in lines[1]
    assert lines[2].startswith("T ALERT (exit 3): rollback")
    assert len(lines) == 3
    assert pin_state.parse(state.read_text()).size == len(INCIDENTS)


def test_the_command_line_reads_a_url_and_keeps_the_state(
    site: tuple[Path, Remote], tmp_path: Path
) -> None:
    link, remote = site
    state = tmp_path / "pin.json"
    _serve(link, LEDGER.export(tmp_path / "small", PIN))
    url = remote.prefix
    assert cli.main([url, "--key", KEY, "--write-pin", str(state), "--json"]) == VALID
    _serve(link, LEDGER.export(tmp_path / "large"))
    args = [url, "--key", KEY, "--pin", str(state), "--write-pin", str(state)]
    assert cli.main(args) == VALID
    assert pin_state.parse(state.read_text()).size == len(INCIDENTS)
    _serve(link, tmp_path / "small")
    assert cli.main([url, "--key", KEY, "--pin", str(state)]) == UNTRUSTED


def test_a_log_that_does_not_answer_is_polled_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given nothing listening, a round reports it on stderr and asks for another round;
    with ``--once`` the watch ends with exit 2, the state untouched."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    watch = Watch(Remote(f"http://127.0.0.1:{port}"), KEYS, tmp_path / "pin.json")
    assert watch.round() == MALFORMED
    assert watch.unreachable
    assert watch.run(interval=0, once=True) == MALFORMED
    assert "UNREACHABLE (exit 2)" in capsys.readouterr().err
    assert not (tmp_path / "pin.json").exists()
