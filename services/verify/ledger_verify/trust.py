"""Signed notes checked against the pinned keys, and the input checked against the pin.

A signature by a pinned key is what makes anything else in an export or bundle mean
something, so its absence stops the run (``Untrusted``); so does a checkpoint older than
the pin, since an operator could otherwise hide later records by serving an old tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger_verify import note
from ledger_verify.merkle import EMPTY_ROOT
from ledger_verify.report import Finding, Malformed, Report, Untrusted


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def open_signed(signed: str, keys: list[note.Verifier], what: str) -> str:
    """The text of the note ``signed`` once a pinned key's signature on it verifies."""
    try:
        return note.open_note(signed, keys)
    except note.UntrustedNote as error:
        raise Untrusted(f"the {what} is not signed by a pinned key: {error}", "untrusted") from None
    except note.NoteError as error:
        raise Malformed(f"the {what} is not a signed note: {error}", "malformed") from None


def open_checkpoint(signed: str, keys: list[note.Verifier], what: str) -> Checkpoint:
    text = open_signed(signed, keys, what)
    try:
        return Checkpoint(*note.parse_checkpoint(text))
    except note.NoteError as error:
        raise Malformed(f"the {what} is not a checkpoint: {error}", "malformed") from None


def against_pin(pin: Checkpoint, checkpoint: Checkpoint, report: Report) -> bool:
    """Refuses a rollback, notes a fork; True when the pin is a smaller tree whose
    consistency with the checkpoint is still to be shown."""
    if pin.origin != checkpoint.origin:
        message = f"the pin is a checkpoint of {pin.origin!r}, not of {checkpoint.origin!r}"
        raise Untrusted(message, "pin-origin")
    if pin.size > checkpoint.size:
        message = (
            f"rollback: the checkpoint covers {checkpoint.size} records, the pinned "
            f"checkpoint {pin.size}; the log cannot shrink"
        )
        raise Untrusted(message, "rollback")
    if pin.size == checkpoint.size or pin.size == 0:
        want = checkpoint.root if pin.size else EMPTY_ROOT
        if pin.root != want:
            message = (
                f"fork: the pinned checkpoint has another root for the same {pin.size} "
                "records, so the log was rewritten since the pin"
            )
            report.add(Finding("fork", message))
        return False
    return True
