"""The pin state file's content (``ledger_verify.pin_state`` reads, checks and writes it):
a module of its own, importing nothing of the package, so that a report can carry it."""

from __future__ import annotations

import json
from dataclasses import dataclass

FORMAT = "ledger-verify-pin/1"
Head = tuple[int, int, str]  # an incident's last version, its position, its hex hash


@dataclass(frozen=True)
class PinState:
    checkpoint: str  # the signed note, as the log served it
    size: int
    compact: tuple[bytes, ...]  # the compact range of the tree of ``size`` leaves
    heads: dict[str, Head]  # incident → (last version, its position, its hex hash)

    def to_json(self) -> str:
        doc = {
            "format": FORMAT,
            "checkpoint": self.checkpoint,
            "size": self.size,
            "compact_range": [h.hex() for h in self.compact],
            "heads": {k: list(v) for k, v in sorted(self.heads.items())},
        }
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
