"""``ledger-verify watch URL --pin STATE``: what a witness does for a transparency log.

Each round reads the served checkpoint; when it is new, verifies it from the pin state
through the tiles alone (signature, consistency with the pinned tree, every record after
it: ``ledger_verify.served``), writes the new state and prints one line. Any
inconsistency (a rollback, a fork, a record or tile that contradicts what was signed)
prints one ``ALERT`` line and ends the watch with the verdict's exit code (1 tampered,
3 untrusted). A log that does not answer is retried next round (``--once``: exit 2).
Without a state file the first round verifies the whole log and writes it (trust on first
use: compare the first checkpoint with one obtained another way).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ledger_verify import note, pin_state, served
from ledger_verify.pin_state import Pinned
from ledger_verify.remote import Remote
from ledger_verify.report import MALFORMED, VALID, Report, Stop

Clock = Callable[[], str]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Watch:
    def __init__(
        self, remote: Remote, keys: list[note.Verifier], state: Path,
        out: TextIO | None = None, clock: Clock = _now,
    ) -> None:  # fmt: skip
        self.remote, self.keys, self.state, self.clock = remote, keys, state, clock
        self.out = out or sys.stdout
        self.unreachable = False  # the last round's log did not answer: try again

    def run(self, interval: float, once: bool) -> int:
        """Rounds until an inconsistency (its exit code), or one round with ``once``."""
        while True:
            code = self.round()
            if code is not None and not (self.unreachable and not once):
                return code
            if once:
                return VALID
            time.sleep(interval)

    def round(self) -> int | None:
        """One poll: None when the log is consistent with the pin (new or not), else the
        exit code of what is wrong."""
        try:
            pinned = self._pinned()
        except Stop as stop:
            self.unreachable = False
            return self._alert(stop.verdict, stop.finding.line())
        report = served.verify(self.remote, self.keys, state=pinned)
        self.unreachable = report.exit_code == MALFORMED and any(
            f.code == "unreachable" for f in report.findings
        )  # nothing but a log that did not answer
        if report.exit_code != VALID:
            return self._alert(report.exit_code, _first(report))
        assert report.state is not None
        if pinned is None or report.state.checkpoint != pinned.signed:
            pin_state.write(self.state, report.state)
            self._line(report, pinned)
        return None

    def _pinned(self) -> Pinned | None:
        try:
            text = self.state.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            raise Stop(f"--pin {str(self.state)!r}: cannot read it ({error})") from None
        return pin_state.open_state(pin_state.parse(text), self.keys)

    def _line(self, report: Report, pinned: Pinned | None) -> None:
        assert report.state is not None
        size, root = report.state.size, _root(report.state.checkpoint)
        since = "verified in full" if pinned is None else (
            f"consistent with {pinned.checkpoint.size}"
        )  # fmt: skip
        line = f"{self.clock()} checkpoint {size} {root}: {since}, {report.events} records checked"
        print(line, file=self.out, flush=True)

    def _alert(self, code: int, why: str) -> int:
        stream = sys.stderr if self.unreachable else self.out
        word = "UNREACHABLE" if self.unreachable else "ALERT"
        print(f"{self.clock()} {word} (exit {code}): {why}", file=stream, flush=True)
        return code


def _first(report: Report) -> str:
    return "; ".join(f.line() for f in report.findings[:3]) or report.verdict


def _root(signed: str) -> str:
    """The checkpoint's root as written in it (base64): the verified note's third line."""
    return signed.split("\n")[2]
