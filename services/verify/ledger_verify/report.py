"""What a verification found, and the verdict and exit code it comes to.

Every check adds findings instead of stopping, so that one run shows all the damage;
only what makes further checks meaningless (no trusted signature, an unreadable input)
stops the run, as a ``Malformed`` or ``Untrusted`` exception the caller turns into a
finding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ledger_verify.pin_file import PinState

VALID, TAMPERED, MALFORMED, UNTRUSTED = 0, 1, 2, 3
VERDICTS = {VALID: "valid", TAMPERED: "tampered", MALFORMED: "malformed", UNTRUSTED: "untrusted"}
# Without a trusted signature nothing else means anything; a contradiction with what was
# signed outweighs an unreadable part.
_PRECEDENCE = (UNTRUSTED, TAMPERED, MALFORMED)
KEPT = 10_000  # findings kept in full; a wholesale rewrite would otherwise fill memory


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str
    position: int | None = None
    event_id: str | None = None

    def line(self) -> str:
        where = [f"position {self.position}"] if self.position is not None else []
        where += [f"event {self.event_id}"] if self.event_id is not None else []
        return f"{', '.join(where)}: {self.message}" if where else self.message


class Stop(Exception):
    """A finding after which the remaining checks cannot say anything."""

    verdict = MALFORMED

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.finding = Finding(code or VERDICTS[self.verdict], message)


class Malformed(Stop):
    """The input is not a readable export or bundle."""

    verdict = MALFORMED


class Untrusted(Stop):
    """No signature by a pinned key, or the input rolls back behind the pin."""

    verdict = UNTRUSTED


@dataclass
class Report:
    kind: str  # "export", "bundle" or "tiles" (a served log)
    origin: str | None = None
    size: int | None = None
    events: int = 0
    findings: list[Finding] = field(default_factory=list)
    verdicts: set[int] = field(default_factory=set)
    dropped: int = 0
    state: PinState | None = None  # a valid run's new pin state (export, live database)

    def add(self, finding: Finding, verdict: int = TAMPERED) -> None:
        self.verdicts.add(verdict)
        if len(self.findings) < KEPT:
            self.findings.append(finding)
        else:
            self.dropped += 1

    def extend(self, findings: list[Finding], verdict: int = TAMPERED) -> None:
        for finding in findings:
            self.add(finding, verdict)

    def merge(self, findings: list[Finding], verdicts: set[int], dropped: int) -> None:
        """What another report over part of the input found, with its verdicts."""
        room = max(0, KEPT - len(self.findings))
        self.findings += findings[:room]
        self.dropped += dropped + max(0, len(findings) - room)
        self.verdicts |= verdicts

    def stop(self, error: Stop) -> None:
        self.add(error.finding, error.verdict)

    @property
    def exit_code(self) -> int:
        return next((v for v in _PRECEDENCE if v in self.verdicts), VALID)

    @property
    def verdict(self) -> str:
        return VERDICTS[self.exit_code]

    def _all(self) -> list[Finding]:
        more = [Finding("more", f"… and {self.dropped} more findings")] if self.dropped else []
        return self.findings + more

    def render_text(self, limit: int = 50) -> str:
        what = f"{self.kind} of {self.origin}" if self.origin else self.kind
        size = f", tree size {self.size}" if self.size is not None else ""
        lines = [f"{self.verdict.upper()} (exit {self.exit_code}): {what}{size}, "]
        lines[0] += f"{self.events} events checked"
        shown = self.findings[:limit]
        lines += [f"  {f.line()}" for f in shown]
        rest = len(self.findings) - len(shown) + self.dropped
        if rest:
            lines.append(f"  … and {rest} more")
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        findings = [
            {"code": f.code, "position": f.position, "event_id": f.event_id, "message": f.message}
            for f in self._all()
        ]
        return {
            "verdict": self.verdict,
            "exit": self.exit_code,
            "kind": self.kind,
            "origin": self.origin,
            "size": self.size,
            "events": self.events,
            "findings": findings,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False)
