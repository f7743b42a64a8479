"""Verifying an incident bundle: one incident's records, each proven in the signed tree,
and a signed claim that they are all of its records.

Inclusion proofs show each record is in the log; only the completeness claim (signed
with the checkpoint's key) shows none was left out, so the bundle must match it
exactly: versions 1…k, unbroken ``prev`` links, the claimed count and last record.
"""

from __future__ import annotations

import binascii
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger_verify import merkle, note
from ledger_verify.records import STDLIB, Checker, Codec, read_columns
from ledger_verify.report import MALFORMED, Finding, Malformed, Report, Stop, Untrusted
from ledger_verify.trust import Checkpoint, against_pin, open_checkpoint, open_signed

FORMAT = "incident-ledger-bundle/1"
MEMBERS = (
    "manifest.json", "checkpoint", "completeness", "records.ndjson", "proofs.ndjson",
    "columns.ndjson",
)  # fmt: skip


@dataclass(frozen=True)
class Completeness:
    origin: str
    incident_id: str
    events: int
    size: int
    root: bytes
    last_position: int
    last_hash: bytes


def _number(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or str(int(text)) != text:
        raise note.NoteError(f"malformed completeness claim: {text!r} is not a number")
    return int(text)


def parse_completeness(text: str) -> Completeness:
    """The claim of a completeness note's text (extension lines after it are ignored)."""
    lines = text.split("\n")
    if len(lines) < 8 or lines[-1] != "" or lines[1] != "incident-completeness":
        raise note.NoteError("malformed completeness claim: not an incident-completeness note")
    fields = [line.split(" ", 1) for line in lines[2:7]]
    names = [f[0] for f in fields]
    if names != ["incident", "events", "size", "root", "last"] or any(len(f) < 2 for f in fields):
        raise note.NoteError("malformed completeness claim: incident, events, size, root, last")
    last = fields[4][1].split(" ")
    try:
        root, last_hash = note.b64decode(fields[3][1]), bytes.fromhex(last[-1])
    except (ValueError, binascii.Error):
        raise note.NoteError("malformed completeness claim: bad root or last hash") from None
    if not lines[0] or len(root) != 32 or len(last) != 2 or len(last_hash) != 32:
        raise note.NoteError("malformed completeness claim: bad origin, root or last record")
    return Completeness(
        lines[0], fields[0][1], _number(fields[1][1]), _number(fields[2][1]), root,
        _number(last[0]), last_hash,
    )  # fmt: skip


def verify(
    path: Path, keys: list[note.Verifier], pin: str | None = None, *, codec: Codec = STDLIB
) -> Report:
    """Everything wrong with the bundle zip at ``path``, as a report."""
    report = Report("bundle")
    try:
        _verify(_members(path), keys, pin, report, codec)
    except Stop as stop:
        report.stop(stop)
    return report


def _members(path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            wanted = [*MEMBERS, "consistency.json"]
            return {name: archive.read(name) for name in wanted if name in names}
    except Exception as error:  # a damaged zip fails in many ways: CRC, zlib, EOF, …
        raise Malformed(f"the bundle is not a readable zip: {error}", "malformed") from None


def _text(members: dict[str, bytes], name: str) -> str:
    if name not in members:
        raise Malformed(f"the bundle has no {name}", "missing")
    try:
        return members[name].decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed(f"the bundle's {name} is not UTF-8", "malformed") from None


def _json(members: dict[str, bytes], name: str) -> Any:
    try:
        return json.loads(_text(members, name))
    except ValueError:
        raise Malformed(f"the bundle's {name} is not JSON", "malformed") from None


def _lines(members: dict[str, bytes], name: str) -> list[bytes]:
    _text(members, name)
    lines = members[name].split(b"\n")
    return lines[:-1] if lines[-1] == b"" else lines


def _verify(
    members: dict[str, bytes], keys: list[note.Verifier], pin: str | None, report: Report,
    codec: Codec,
) -> None:  # fmt: skip
    checkpoint = open_checkpoint(_text(members, "checkpoint"), keys, "checkpoint")
    report.origin, report.size = checkpoint.origin, checkpoint.size
    claim_text = open_signed(_text(members, "completeness"), keys, "completeness claim")
    try:
        claim = parse_completeness(claim_text)
    except note.NoteError as error:
        raise Malformed(str(error), "malformed") from None
    _against_checkpoint(claim, checkpoint, report)
    if pin is not None:
        pinned = open_checkpoint(pin, keys, "pinned checkpoint")
        if against_pin(pinned, checkpoint, report):
            _consistency(members, pinned, checkpoint, report)
    _manifest(_json(members, "manifest.json"), claim, report)
    records, columns = _lines(members, "records.ndjson"), _lines(members, "columns.ndjson")
    proofs = [_proof(line, i + 1) for i, line in enumerate(_lines(members, "proofs.ndjson"))]
    if not len(records) == len(proofs) == len(columns):
        counts = f"{len(records)} records, {len(proofs)} proofs, {len(columns)} columns lines"
        raise Malformed(f"the bundle's files disagree: {counts}", "malformed")
    _records(records, proofs, columns, checkpoint, claim, report, codec)


def _against_checkpoint(claim: Completeness, checkpoint: Checkpoint, report: Report) -> None:
    for what, got, want in (
        ("origin", claim.origin, checkpoint.origin),
        ("size", claim.size, checkpoint.size),
        ("root", claim.root, checkpoint.root),
    ):
        if got != want:
            message = f"the completeness claim is for another tree than the checkpoint ({what})"
            report.add(Finding("claim", message))


def _consistency(
    members: dict[str, bytes], pin: Checkpoint, checkpoint: Checkpoint, report: Report
) -> None:
    hint = f"fetch the bundle with ?since={pin.size} to get one"
    if "consistency.json" not in members:
        message = f"the bundle has no consistency proof from the pinned size {pin.size}: {hint}"
        raise Untrusted(message, "no-consistency")
    doc = _json(members, "consistency.json")
    if not isinstance(doc, dict) or (doc.get("from"), doc.get("to")) != (pin.size, checkpoint.size):
        message = (
            f"the consistency proof is not from the pinned size {pin.size} to {checkpoint.size}"
        )
        raise Untrusted(f"{message}: {hint}", "no-consistency")
    proof = _hashes(doc.get("proof"), "consistency.json")
    if not merkle.verify_consistency(pin.size, checkpoint.size, pin.root, checkpoint.root, proof):
        message = "the checkpoint is not an extension of the pinned checkpoint"
        report.add(Finding("fork", f"fork: {message} (the consistency proof fails)"))


def _manifest(doc: Any, claim: Completeness, report: Report) -> None:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise Malformed(f"manifest.json does not say format {FORMAT!r}", "malformed")
    want = {"origin": claim.origin, "incident_id": claim.incident_id, "size": claim.size}
    for key, value in {**want, "events": claim.events}.items():
        if doc.get(key) != value:
            message = f"manifest.json says {key} {doc.get(key)!r}, the signed claim {value!r}"
            report.add(Finding("manifest", message))


def _hashes(value: Any, where: str) -> list[bytes]:
    try:
        hashes = [bytes.fromhex(h) for h in value]
    except (TypeError, ValueError):
        raise Malformed(f"{where}: a proof is a list of hex hashes", "malformed") from None
    if any(len(h) != 32 for h in hashes):
        raise Malformed(f"{where}: a proof's hashes are 32 bytes", "malformed")
    return hashes


def _proof(line: bytes, number: int) -> tuple[int, list[bytes]]:
    where = f"proofs.ndjson line {number}"
    try:
        doc = json.loads(line)
    except ValueError:
        raise Malformed(f"{where} is not JSON", "malformed") from None
    if not isinstance(doc, dict) or type(doc.get("position")) is not int:
        raise Malformed(f"{where}: {{'position': int, 'proof': [hex, ...]}}", "malformed")
    return doc["position"], _hashes(doc.get("proof"), where)


def _records(
    records: list[bytes], proofs: list[tuple[int, list[bytes]]], columns: list[bytes],
    checkpoint: Checkpoint, claim: Completeness, report: Report, codec: Codec,
) -> None:  # fmt: skip
    checker, last = Checker(codec, checkpoint.origin), 0
    for record, (position, proof), line in zip(records, proofs, columns, strict=True):
        values, problem = read_columns(line, codec)
        if problem:
            report.add(Finding("columns", problem, position), MALFORMED)
        found = checker.check(position, record, values)
        report.extend(_placed(found, checker, position, proof, last, checkpoint, claim))
        last = max(last, position)
    report.events = len(records)
    _against_claim(checker, claim, len(records), report)


def _placed(
    found: list[Finding], checker: Checker, position: int, proof: list[bytes], last: int,
    checkpoint: Checkpoint, claim: Completeness,
) -> list[Finding]:  # fmt: skip
    """The record's findings, and where it stands: in the tree, in the incident, in order."""
    event, incident = checker.event_id, claim.incident_id
    if checker.incident is not None and checker.incident != incident:
        found = [f for f in found if f.code not in ("version", "prev")]  # the other incident's
        message = f"event {event} belongs to incident {checker.incident}, not {incident}"
        found.append(Finding("other-incident", message, position, event))
    if not merkle.verify_inclusion(
        checker.leaf, position - 1, checkpoint.size, proof, checkpoint.root
    ):
        message = f"event {event} at position {position}: not in the signed log"
        found.append(Finding("inclusion", message + " (inclusion proof fails)", position, event))
    if position <= last:
        message = f"position {position} appears twice" if position == last else (
            f"position {position} comes after {last}: the records are out of order"
        )  # fmt: skip
        found.append(Finding("order", message, position, event))
    return found


def _against_claim(checker: Checker, claim: Completeness, count: int, report: Report) -> None:
    if count != claim.events:
        message = f"the bundle holds {count} events, the completeness claim says {claim.events}"
        report.add(Finding("count", message))
    head = checker.heads.get(claim.incident_id)
    got = (head[1], head[2]) if head else (0, bytes(32).hex())
    if got != (claim.last_position, claim.last_hash.hex()):
        message = (
            f"the incident's last event here is at position {got[0]}, the completeness claim "
            f"says position {claim.last_position} (hash {claim.last_hash.hex()})"
        )
        report.add(Finding("last", message, got[0] or None))
