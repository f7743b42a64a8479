"""The state an auditor keeps between runs: a small, versioned JSON file that nobody signs.

It names a signed checkpoint an earlier run verified (its note, verbatim) and carries what
an incremental run needs to go on from it without reading the records before it: the
compact range of that tree (enough to append the new leaves and compute the new root:
that the new root comes out as signed proves the new tree extends the pinned one) and
every incident's last record at that size (its version, position and hash), for the next
record of each incident to be held against.

Nobody signs the file, so it is held against the checkpoint it names: the note must
verify with a pinned key, the size must be the checkpoint's and the compact range must
hash to its root, or the run stops, untrusted, naming the file. A head edited in the file
cannot be checked that way; it shows at the incident's next record, as a broken link to
the head the state holds (and a full run, which needs no state, settles which is wrong).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger_verify import note
from ledger_verify.compact import CompactRange
from ledger_verify.pin_file import FORMAT, Head
from ledger_verify.pin_file import PinState as PinState  # re-exported: what it reads
from ledger_verify.report import Malformed, Untrusted
from ledger_verify.trust import Checkpoint, open_checkpoint

_HEX = re.compile(r"[0-9a-f]{64}")
_HEX_DIGITS = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Pinned:
    """A state that held against its checkpoint: what an incremental run starts from."""

    checkpoint: Checkpoint
    tree: CompactRange
    heads: dict[str, Head]
    signed: str


def is_state(text: str) -> bool:
    """A state file (JSON), not a bare checkpoint note (which starts with its origin)."""
    return text.lstrip().startswith("{")


def parse(text: str) -> PinState:
    """The state in ``text``; ``Malformed`` (code ``pin-state``) naming what is off."""
    try:
        doc = json.loads(text)
    except ValueError:
        raise _bad("it is not JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _bad(f"it does not say format {FORMAT!r}")
    checkpoint, size = doc.get("checkpoint"), doc.get("size")
    compact, heads = doc.get("compact_range"), doc.get("heads")
    if not isinstance(checkpoint, str) or type(size) is not int or size < 0:
        raise _bad("checkpoint (a signed note) and size (a count) are required")
    if not isinstance(compact, list) or not all(_is_hex(h) for h in compact):
        raise _bad("compact_range is a list of hex SHA-256 hashes")
    if not isinstance(heads, dict):
        raise _bad("heads maps each incident to [version, position, hex hash]")
    return PinState(checkpoint, size, tuple(bytes.fromhex(h) for h in compact), _heads(heads))


def _heads(doc: dict[str, Any]) -> dict[str, Head]:
    """Every head checked at once (a state holds one per incident, tens of thousands),
    and only when one is off, head by head to name it."""
    try:
        heads: dict[str, Head] = {i: (v, p, h) for i, (v, p, h) in doc.items()}
    except (TypeError, ValueError):
        heads = {}
    if len(heads) == len(doc) and all(type(h) is list for h in doc.values()) and _sound(heads):
        return heads
    for incident, head in doc.items():
        ok = isinstance(head, list) and len(head) == 3 and _is_hex(head[2])
        if not (ok and all(type(n) is int and n >= 1 for n in head[:2])):
            raise _bad(f"the head of {incident!r} is not [version, position, hex hash]")
    raise AssertionError("unreachable: a head off in the whole is off on its own")


def _sound(heads: dict[str, Head]) -> bool:
    hashes = [h for _, _, h in heads.values()]
    numbers = [n for v, p, _ in heads.values() for n in (v, p)]
    if not all(type(h) is str and len(h) == 64 for h in hashes):
        return False
    if not all(type(n) is int for n in numbers) or min(numbers, default=1) < 1:
        return False
    return set("".join(hashes)) <= _HEX_DIGITS


def _is_hex(value: Any) -> bool:
    return isinstance(value, str) and _HEX.fullmatch(value) is not None


def _bad(why: str) -> Malformed:
    return Malformed(f"the pin state is not readable: {why}", "pin-state")


def open_state(state: PinState, keys: list[note.Verifier]) -> Pinned:
    """The state held against the checkpoint it names; ``Untrusted`` (``pin-state``) if it
    does not hold: edited, or written for another log."""
    checkpoint = open_checkpoint(state.checkpoint, keys, "pin state's checkpoint")
    if state.size != checkpoint.size:
        raise _tampered(f"its size {state.size} is not its checkpoint's {checkpoint.size}")
    try:
        tree = CompactRange(state.size, state.compact)
    except ValueError as error:
        raise _tampered(f"its compact range is not one: {error}") from None
    if tree.root() != checkpoint.root:
        raise _tampered("its compact range does not hash to its checkpoint's root")
    for incident, (version, position, _) in state.heads.items():
        if position > state.size or version > position:
            message = f"the head of {incident!r} (version {version}, position {position})"
            raise _tampered(f"{message} lies beyond its checkpoint's {state.size} records")
    return Pinned(checkpoint, tree, dict(state.heads), state.checkpoint)


def _tampered(why: str) -> Untrusted:
    return Untrusted(f"the pin state does not hold against its own checkpoint: {why}", "pin-state")


def write(path: Path, state: PinState) -> None:
    """Written beside, then renamed over: a crash leaves the old state or the new one."""
    spare = path.with_name(path.name + ".new")
    spare.write_text(state.to_json(), encoding="utf-8")
    os.replace(spare, path)
