"""``ledger-verify PATH|URL --key KEY [--key KEY ...] [--pin PIN] [--full] [--write-pin STATE]
[--json]`` and ``ledger-verify watch URL --key KEY --pin STATE [--interval S] [--once]``.

A directory is a full export, a file an incident bundle, an ``http(s)://`` URL a log
served in the tlog-tiles layout (``…/v1/audit/tiles``). The exit code is the verdict
(0 valid, 1 tampered, 2 malformed, 3 untrusted), so scripts can act on it unread. A pin
is a checkpoint note or a pin state file (``ledger_verify.pin_state``): from a state, an
export is verified incrementally unless ``--full`` is given.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ledger_verify import bundle, export, note, pin_state, served
from ledger_verify.pin_state import Pinned
from ledger_verify.remote import Remote, is_url
from ledger_verify.report import MALFORMED, Finding, Report, Stop
from ledger_verify.watch import Watch


class _Usage(Exception):
    """A key or pin that cannot be read: the input was never looked at."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ledger-verify",
        description="Check an Incident Ledger export (directory), bundle (zip) or served log "
        "(tiles URL) against pinned keys, without trusting the operator.",
        epilog="ledger-verify watch URL --key KEY --pin STATE: follow a served log.",
    )
    parser.add_argument("path", metavar="PATH|URL")
    _keys(parser)
    parser.add_argument(
        "--pin", type=Path, help="a checkpoint, or a pin state file, kept from an earlier visit"
    )
    parser.add_argument(
        "--full", action="store_true", help="check every record even from a pin state"
    )
    parser.add_argument(
        "--write-pin", type=Path, metavar="STATE", help="after a valid run, the new pin state"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _keys(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--key", action="append", required=True, help="a verifier key, or a file holding one"
    )


def _watch_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ledger-verify watch",
        description="Follow a log served in the tlog-tiles layout: verify each new checkpoint "
        "and its records from the pin state, update it, alert on any inconsistency.",
    )
    parser.add_argument("url", metavar="URL", help="the tiles prefix, …/v1/audit/tiles")
    _keys(parser)
    parser.add_argument(
        "--pin", type=Path, required=True, metavar="STATE",
        help="the pin state, read and rewritten (none yet: the first round checks everything)",
    )  # fmt: skip
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between polls")
    parser.add_argument("--once", action="store_true", help="poll once, then exit")
    return parser


def _key(value: str) -> note.Verifier:
    path = Path(value)
    try:
        text = path.read_text() if path.is_file() else value
        return note.parse_verifier(text.strip())
    except (OSError, UnicodeDecodeError, note.NoteError) as error:
        raise _Usage(f"--key {value!r}: {error}") from None


def _pin(path: Path | None) -> str | None:
    try:
        return None if path is None else path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise _Usage(f"--pin {str(path)!r}: cannot read it ({error})") from None


class _Progress:
    """A percentage on stderr about once a second, for someone watching a long export."""

    def __init__(self) -> None:
        self.shown, self.last, self.done, self.total = False, time.monotonic(), 0, 0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if time.monotonic() - self.last >= 1:
            self.shown, self.last = True, time.monotonic()
            self._show("")

    def _show(self, end: str) -> None:
        percent = 100 * self.done // self.total if self.total else 100
        line = f"\rchecked {self.done:,} of {self.total:,} records ({percent}%)"
        print(line, end=end, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.shown:
            self._show("\n")


def run(
    path: Path | str, keys: list[note.Verifier], pin: str | None, *, full: bool = False
) -> Report:
    """The report on ``path``; from a pin state, an export's records after it only, unless
    ``full`` (then every record, the state's checkpoint as the pin)."""
    state: Pinned | None = None
    if pin is not None and pin_state.is_state(pin):
        try:
            state = pin_state.open_state(pin_state.parse(pin), keys)
        except Stop as stop:
            report = Report(_kind(path))
            report.stop(stop)
            return report
        pin = state.signed if full or _kind(path) == "bundle" else None
        state = None if full else state
    if isinstance(path, str):
        return served.verify(Remote.of(path), keys, pin, state=state)
    if path.is_dir():
        if not sys.stderr.isatty():
            return export.verify(path, keys, pin, state=state)
        progress = _Progress()
        try:
            return export.verify(path, keys, pin, progress=progress, state=state)
        finally:
            progress.close()
    if path.is_file():
        return bundle.verify(path, keys, pin)
    report = Report("bundle" if path.suffix == ".zip" else "export")
    report.add(Finding("missing", f"{path} is neither an export directory nor a bundle file"))
    report.verdicts = {MALFORMED}
    return report


def _kind(path: Path | str) -> str:
    return "tiles" if isinstance(path, str) else "export" if path.is_dir() else "bundle"


def watch(argv: list[str]) -> int:
    args = _watch_parser().parse_args(argv)
    try:
        keys = [_key(k) for k in args.key]
    except _Usage as error:
        print(f"ledger-verify watch: {error}", file=sys.stderr)
        return MALFORMED
    if not is_url(args.url):
        print(f"ledger-verify watch: {args.url!r} is not an http(s) URL", file=sys.stderr)
        return MALFORMED
    return Watch(Remote.of(args.url), keys, args.pin).run(max(args.interval, 0.1), args.once)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["watch"]:
        return watch(argv[1:])
    args = _parser().parse_args(argv)
    target: Path | str = args.path if is_url(args.path) else Path(args.path)
    try:
        if args.write_pin is not None and _kind(target) == "bundle":
            raise _Usage("--write-pin: a pin state is written from an export or a served log")
        report = run(target, [_key(k) for k in args.key], _pin(args.pin), full=args.full)
    except _Usage as error:
        print(f"ledger-verify: {error}", file=sys.stderr)
        return MALFORMED
    sys.stdout.write(report.to_json() + "\n" if args.json else report.render_text())
    if args.write_pin is not None and report.state is not None:
        try:
            pin_state.write(args.write_pin, report.state)
        except OSError as error:
            print(f"ledger-verify: --write-pin: cannot write it ({error})", file=sys.stderr)
            return MALFORMED
    return report.exit_code
