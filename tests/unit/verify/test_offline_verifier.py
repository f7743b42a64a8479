"""The offline verifier on exports and bundles the server's writers produce: valid ones
pass, and every kind of tampering is named, with its position, event and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ledger_verify import bundle, canonical, cli, export, merkle, note, tiles
from ledger_verify.records import Checker
from ledger_verify.report import Finding, Report

from ledger.audit import stretches
from ledger.audit.export_files import ExportWriter, completeness_text
from ledger.domain.record import record_bytes
from tests.unit.verify.ledgers import (
    KEY,
    ORIGIN,
    RECORDED_AT,
    build,
    columns_of,
    edit_lines,
    entries,
    event,
    members,
    repack,
    rezip,
)

pytestmark = pytest.mark.unit

INCIDENTS = [f"INC-{i * 7 % 5}" for i in range(300)]  # five incidents, interleaved
LEDGER = build(INCIDENTS)
KEYS = [note.parse_verifier(KEY)]
INC = "INC-2"  # at positions 2, 7, 12, …
AT = LEDGER.positions(INC)
FORGED = record_bytes(
    event("INC-9", 1, 9999), origin=ORIGIN, position=10, version=1, recorded_at=RECORDED_AT,
    prev=None,
)  # fmt: skip


def check_export(directory: Path, pin: str | None = None) -> Report:
    return export.verify(directory, KEYS, pin)


def check_bundle(data: bytes, tmp_path: Path, pin: str | None = None) -> Report:
    (tmp_path / "bundle.zip").write_bytes(data)
    return bundle.verify(tmp_path / "bundle.zip", KEYS, pin)


def found(report: Report, code: str, position: int | None = None) -> Finding:
    """The first finding of that code (and position), which must be there."""
    hits = [f for f in report.findings if f.code == code and position in (None, f.position)]
    assert hits, report.render_text()
    return hits[0]


def event_id(position: int) -> str:
    return str(columns_of(LEDGER.records[position - 1])["event_id"])


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    return LEDGER.export(tmp_path / "export")


@pytest.fixture
def lines() -> list[bytes]:
    return [canonical.encode(c) for c in LEDGER.columns]


# Valid inputs


def test_a_valid_export_passes_with_a_json_report(
    exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given an export as the server writes it, when verified with --json, then exit 0
    and one JSON object that says so."""
    assert cli.main([str(exported), "--key", KEY, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "verdict": "valid", "exit": 0, "kind": "export", "origin": ORIGIN, "size": 300,
        "events": 300, "findings": [],
    }  # fmt: skip


def test_the_writers_tiles_are_the_trees(exported: Path) -> None:
    """Given an export, then the root read from its tiles is the root of its records."""
    widths = {(lv, i): w for lv, i, w in tiles.tiles_of(300)}

    def read(key: tiles.TileKey) -> bytes:
        return (exported / tiles.tile_path(key[0], key[1], widths[key])).read_bytes()

    assert tiles.range_hash(read, 0, 300) == merkle.root(LEDGER.leaves())


def test_a_valid_bundle_passes_with_a_json_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.zip").write_bytes(LEDGER.bundle(INC))
    assert cli.main([str(tmp_path / "b.zip"), "--key", KEY, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["verdict"], report["kind"], report["events"]) == ("valid", "bundle", len(AT))
    assert report["findings"] == []


def test_a_pin_that_the_input_extends_passes(exported: Path, tmp_path: Path) -> None:
    """Given a pin of size 200, then the export of 300 and a bundle fetched with ?since=200
    are extensions of it."""
    assert check_export(exported, LEDGER.checkpoint(200)).exit_code == 0
    report = check_bundle(LEDGER.bundle(INC, since=200), tmp_path, LEDGER.checkpoint(200))
    assert report.exit_code == 0, report.render_text()


# Edited records


def test_a_flipped_payload_byte(exported: Path, tmp_path: Path) -> None:
    records = entries(exported, 300)
    records[9] = records[9].replace(b"smoke", b"smokf")
    repack(exported, records)
    report = check_export(exported)
    assert report.exit_code == 1
    leaf = found(report, "leaf", 10)
    assert leaf.message == "the record does not match the leaf hash in tile tile/0/000 (entry 9)"
    assert leaf.event_id == event_id(10)
    assert found(report, "root").message == "the records do not add up to the signed root"
    edited = edit_lines(LEDGER.bundle(INC), lambda rows: [
        (r.replace(b"smoke", b"smokf") if i == 1 else r, p, c) for i, (r, p, c) in enumerate(rows)
    ])  # fmt: skip
    report = check_bundle(edited, tmp_path)
    assert report.exit_code == 1
    message = f"event {event_id(AT[1])} at position {AT[1]}: not in the signed log"
    assert found(report, "inclusion", AT[1]).message == message + " (inclusion proof fails)"


def test_a_payload_edited_with_its_hashes_recomputed(exported: Path, tmp_path: Path) -> None:
    """Given an attacker who rewrote a payload and re-chained every hash after it (hash
    columns, prev links), then the chain looks intact but the signed tree disagrees."""
    rewritten = build(INCIDENTS, lambda p, r: r.replace(b"smoke", b"smokf") if p == 12 else r)
    repack(exported, rewritten.records, [canonical.encode(c) for c in rewritten.columns])
    report = check_export(exported)
    assert report.exit_code == 1
    assert {f.code for f in report.findings} == {"leaf", "root"}
    assert found(report, "leaf", 12).position == 12
    rows = [(r, b"", canonical.encode(columns_of(r))) for r in rewritten.records]
    edited = edit_lines(LEDGER.bundle(INC), lambda old: [
        (rows[p - 1][0], proof, rows[p - 1][2]) for p, (_, proof, _) in zip(AT, old, strict=True)
    ])  # fmt: skip
    report = check_bundle(edited, tmp_path)
    assert report.exit_code == 1
    assert found(report, "inclusion", 12).event_id == event_id(12)
    assert "completeness claim says position" in found(report, "last").message


def test_a_column_edited_alone(exported: Path, lines: list[bytes], tmp_path: Path) -> None:
    def edit(line: bytes) -> bytes:
        return canonical.encode({**json.loads(line), "type": "incident.closed"})

    lines[11] = edit(lines[11])
    (exported / "columns.ndjson").write_bytes(b"".join(x + b"\n" for x in lines))
    report = check_export(exported)
    assert report.exit_code == 1
    want = "column type is 'incident.closed', the record says 'incident.updated'"
    assert [(f.code, f.position, f.message) for f in report.findings] == [("column", 12, want)]
    edited = edit_lines(LEDGER.bundle(INC), lambda rows: [
        (r, p, edit(c) if i == 2 else c) for i, (r, p, c) in enumerate(rows)
    ])  # fmt: skip
    report = check_bundle(edited, tmp_path)
    assert [(f.code, f.position, f.message) for f in report.findings] == [("column", 12, want)]


def test_a_deleted_record(exported: Path, lines: list[bytes], tmp_path: Path) -> None:
    records = entries(exported, 300)
    del records[11], lines[11]
    repack(exported, records, lines)
    report = check_export(exported)
    assert report.exit_code == 1
    message = "the record says it is at position 13, but it sits at position 12"
    assert found(report, "position", 12).message.startswith(message)
    want = "the export ends at position 299 but its checkpoint covers 300"
    assert found(report, "truncated").message == want
    text = report.render_text()
    assert text.startswith("TAMPERED (exit 1)")
    assert "… and " in text
    assert len(text.splitlines()) == 52
    report = check_bundle(
        edit_lines(LEDGER.bundle(INC), lambda rows: rows[:2] + rows[3:]), tmp_path
    )
    assert report.exit_code == 1
    missing = f"version 4 of {INC} comes after version 2: version 3 is missing"
    assert found(report, "version", AT[3]).message == missing
    events = f"the bundle holds {len(AT) - 1} events, the completeness claim says {len(AT)}"
    assert found(report, "count").message == events


@pytest.mark.parametrize(("a", "b"), [(7, 12), (1, 2)], ids=["same incident", "two incidents"])
def test_two_records_swapped(
    exported: Path, lines: list[bytes], tmp_path: Path, a: int, b: int
) -> None:
    records = entries(exported, 300)
    records[a - 1], records[b - 1] = records[b - 1], records[a - 1]
    lines[a - 1], lines[b - 1] = lines[b - 1], lines[a - 1]
    repack(exported, records, lines)
    report = check_export(exported)
    assert report.exit_code == 1
    for here, there in ((a, b), (b, a)):
        message = f"the record says it is at position {there}, but it sits at position {here}"
        assert found(report, "position", here).message.startswith(message)
    swapped = edit_lines(LEDGER.bundle(INC), lambda rows: [rows[1], rows[0], *rows[2:]])
    report = check_bundle(swapped, tmp_path)
    assert report.exit_code == 1
    order = f"position {AT[0]} comes after {AT[1]}: the records are out of order"
    assert found(report, "order", AT[0]).message == order


@pytest.mark.parametrize("keep", [290, 256, 250, 1])
def test_a_truncated_tail(exported: Path, lines: list[bytes], keep: int, tmp_path: Path) -> None:
    repack(exported, entries(exported, 300)[:keep], lines[:keep])
    report = check_export(exported)
    assert report.exit_code == 1
    want = f"the export ends at position {keep} but its checkpoint covers 300"
    assert found(report, "truncated").message == want
    report = check_bundle(edit_lines(LEDGER.bundle(INC), lambda rows: rows[:-1]), tmp_path)
    assert report.exit_code == 1
    assert found(report, "count")
    assert found(report, "last")


def test_an_inserted_forged_record(exported: Path, lines: list[bytes], tmp_path: Path) -> None:
    records = entries(exported, 300)
    records.insert(9, FORGED)
    lines.insert(9, canonical.encode(columns_of(FORGED)))
    repack(exported, records, lines)
    report = check_export(exported)
    assert report.exit_code == 1
    assert found(report, "leaf", 10).event_id == str(columns_of(FORGED)["event_id"])
    assert found(report, "position", 11).message.startswith("the record says it is at position 10")
    want = "the export holds records beyond position 300, its size"
    assert found(report, "extra-records").message == want


def test_non_canonical_bytes_signed_as_they_are(tmp_path: Path) -> None:
    """Given a record stored with a space (its hashes, the tree and the checkpoint all
    computed over those bytes), then it is the only finding, as not canonical."""
    spaced = build(INCIDENTS, lambda p, r: r.replace(b'{"event":', b'{"event": ') if p == 12 else r)
    report = check_export(spaced.export(tmp_path / "export"))
    assert [(f.code, f.position) for f in report.findings] == [("not-canonical", 12)]
    assert report.exit_code == 1
    assert "not canonical JSON" in report.findings[0].message
    report = check_bundle(spaced.bundle(INC), tmp_path)
    assert [(f.code, f.position) for f in report.findings] == [("not-canonical", 12)]


# Bundles that leave out, add or repeat events


def test_a_bundle_with_an_event_from_another_incident(tmp_path: Path) -> None:
    """Given a genuine event of INC-0 (position 6, with its valid proof) slipped into the
    bundle of INC-2, then it is named as another incident's."""
    foreign = members(LEDGER.bundle("INC-0"))
    record, proof, columns = (
        foreign[n].splitlines()[1] for n in ("records.ndjson", "proofs.ndjson", "columns.ndjson")
    )
    assert json.loads(proof)["position"] == 6
    added = edit_lines(
        LEDGER.bundle(INC), lambda rows: [rows[0], (record, proof, columns), *rows[1:]]
    )
    report = check_bundle(added, tmp_path)
    assert report.exit_code == 1
    want = f"event {event_id(6)} belongs to incident INC-0, not {INC}"
    assert found(report, "other-incident", 6).message == want
    assert {f.code for f in report.findings} == {"other-incident", "count"}


def test_a_bundle_with_a_forged_event(tmp_path: Path) -> None:
    def add(rows: list[tuple[bytes, bytes, bytes]]) -> list[tuple[bytes, bytes, bytes]]:
        proof = json.dumps({"position": 10, "proof": json.loads(rows[1][1])["proof"]}).encode()
        return [*rows[:2], (FORGED, proof, canonical.encode(columns_of(FORGED))), *rows[2:]]

    report = check_bundle(edit_lines(LEDGER.bundle(INC), add), tmp_path)
    assert report.exit_code == 1
    forged_id = str(columns_of(FORGED)["event_id"])
    message = f"event {forged_id} at position 10: not in the signed log (inclusion proof fails)"
    assert found(report, "inclusion", 10).message == message


def test_a_bundle_with_a_duplicated_event(tmp_path: Path) -> None:
    report = check_bundle(
        edit_lines(LEDGER.bundle(INC), lambda r: [*r[:3], r[2], *r[3:]]), tmp_path
    )
    assert report.exit_code == 1
    assert found(report, "order", AT[2]).message == f"position {AT[2]} appears twice"
    assert "a version repeats" in found(report, "version", AT[2]).message


# Signatures and pins


def test_checkpoints_signed_by_another_key_or_edited_are_untrusted(
    exported: Path, tmp_path: Path
) -> None:
    stranger = note.generate(ORIGIN)
    for signed in (
        LEDGER.checkpoint(signer=stranger),
        LEDGER.checkpoint().replace("\n300\n", "\n299\n"),
    ):
        (exported / "checkpoint").write_text(signed)
        report = check_export(exported)
        assert (report.exit_code, report.findings[0].code) == (3, "untrusted")
        files = members(LEDGER.bundle(INC))
        report = check_bundle(rezip({**files, "checkpoint": signed.encode()}), tmp_path)
        assert report.exit_code == 3
    claim = note.sign(note.open_note(files["completeness"].decode(), KEYS), stranger)
    report = check_bundle(rezip({**files, "completeness": claim.encode()}), tmp_path)
    assert report.exit_code == 3
    assert "completeness claim is not signed by a pinned key" in report.findings[0].message


def test_a_rolled_back_checkpoint_against_a_newer_pin(tmp_path: Path) -> None:
    newer = LEDGER.checkpoint(300)
    report = check_export(LEDGER.export(tmp_path / "old", size=200), newer)
    assert (report.exit_code, report.findings[0].code) == (3, "rollback")
    assert report.findings[0].message.startswith("rollback: the checkpoint covers 200 records")
    report = check_bundle(LEDGER.bundle(INC, size=200), tmp_path, newer)
    assert (report.exit_code, report.findings[0].code) == (3, "rollback")


def test_a_bundle_without_a_consistency_proof_from_the_pin(tmp_path: Path) -> None:
    report = check_bundle(LEDGER.bundle(INC), tmp_path, LEDGER.checkpoint(200))
    assert report.exit_code == 3
    assert "fetch the bundle with ?since=200" in report.findings[0].message


def test_a_fork_from_the_pin(exported: Path, tmp_path: Path) -> None:
    """Given a pin signed for another history of the same log, then the export and the
    bundle are tampered: the log was rewritten after the pin."""
    other = build(INCIDENTS, note_text="another history")
    for size in (300, 200):
        report = check_export(exported, other.checkpoint(size))
        assert report.exit_code == 1
        assert found(report, "fork")
    assert "first 200 records" in found(report, "fork").message
    report = check_bundle(LEDGER.bundle(INC, since=200), tmp_path, other.checkpoint(200))
    assert "consistency proof fails" in found(report, "fork").message


# Malformed inputs


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: (d / "checkpoint").unlink(),
        lambda d: (d / "checkpoint").write_text("not a note\n"),
        lambda d: (d / "manifest.json").write_text("{"),
        lambda d: (d / "columns.ndjson").unlink(),
        lambda d: (d / "columns.ndjson").write_bytes(b"{\n" * 300),
        lambda d: (d / tiles.tile_path(1, 0, 1)).unlink(),
    ],
)
def test_a_malformed_export(exported: Path, damage: object) -> None:
    damage(exported)  # type: ignore[operator]
    report = check_export(exported)
    assert report.exit_code == 2, report.render_text()


@pytest.mark.parametrize(
    "files",
    [
        {"records.ndjson": None},
        {"proofs.ndjson": b"{\n"},
        {"manifest.json": b'{"format": "other"}'},
        {"completeness": note.sign("not a claim\n", LEDGER.signer).encode()},
    ],
)
def test_a_malformed_bundle(tmp_path: Path, files: dict[str, bytes | None]) -> None:
    changed = {**members(LEDGER.bundle(INC)), **files}
    data = rezip({k: v for k, v in changed.items() if v is not None})
    assert check_bundle(data, tmp_path).exit_code == 2
    assert check_bundle(b"PK\x03\x04 not a zip", tmp_path).exit_code == 2


def test_an_entry_bundle_with_broken_framing(exported: Path) -> None:
    """Given an entry bundle cut inside a length prefix, then it is named as broken, and
    the records it no longer yields as missing."""
    (exported / tiles.tile_path("entries", 0)).write_bytes(b"\x00")
    report = check_export(exported)
    want = "the entry bundle tile/entries/000 is broken: it ends inside the length of record 1"
    assert found(report, "entries").message == want
    assert found(report, "missing-records", 1).message.endswith("positions 1–256 are missing")
    assert report.exit_code == 1


# The record checker on its own


def test_the_checker_names_renamed_columns_and_unreadable_records() -> None:
    columns = dict(LEDGER.columns[0])
    columns["kind"] = columns.pop("type")
    message = "column type is missing; column kind is not one of the columns"
    assert Checker().check(1, LEDGER.records[0], columns) == [
        Finding("column", message, 1, event_id(1))
    ]
    assert Checker().check(5, b'{"event":', None) == [
        Finding("not-json", "the record is not JSON", 5)
    ]
    assert Checker().check(5, b'{"event":{}}', None)[0].code == "not-a-record"
    assert Checker().check(5, b'{"a":1.5}', None) == [
        Finding("not-canonical", "the record is not canonical JSON: 1.5 is not an integer", 5)
    ]


def test_the_checker_says_the_same_with_msgspecs_codec() -> None:
    """Given the live verifier's msgspec codec, then every record gets the same findings
    and hashes as with the standard library's."""
    odd = {
        3: b'{"event": ',
        9: b'{"event":{"x":1,',
        15: b'{"amount":1.5,"event":',  # a float
        21: b'{"big":12345678901234567890,"event":',  # beyond 2^53 - 1
        27: b'{"aaa":"1234567890123456","event":',  # sixteen digits in a string
    }
    mangled = build(INCIDENTS[:60], lambda p, r: r.replace(b'{"event":', odd.get(p, b'{"event":')))
    stdlib, live = Checker(origin=ORIGIN), Checker(stretches.FAST, ORIGIN)
    order = [*range(1, 30), 31, 30, *range(32, 61)]
    for position, expected in zip(order, range(1, 61), strict=True):
        record = mangled.records[position - 1]
        columns = columns_of(LEDGER.records[position - 1])
        assert stdlib.check(expected, record, columns) == live.check(expected, record, columns)
        assert (stdlib.leaf, stdlib.hash) == (live.leaf, live.hash)
    assert stdlib.heads == live.heads


# The writers


def test_the_export_writer_refuses_what_the_format_cannot_hold(tmp_path: Path) -> None:
    with ExportWriter(tmp_path / "e", ORIGIN) as writer:
        writer.add(LEDGER.records[0], LEDGER.columns[0])
        with pytest.raises(ValueError, match="position 2 is 65536 bytes"):
            writer.add(b"x" * 65_536, LEDGER.columns[1])
        with pytest.raises(ValueError, match="does not sign"):
            writer.finish(LEDGER.checkpoint(2), 2)


def test_the_completeness_claim_round_trips() -> None:
    text = completeness_text(ORIGIN, "INC-7", 3, 300, bytes(range(32)), 250, bytes(32))
    claim = bundle.parse_completeness(text)
    assert (claim.incident_id, claim.events, claim.size, claim.last_position) == (
        "INC-7",
        3,
        300,
        250,
    )
    with pytest.raises(ValueError, match="completeness claim"):
        completeness_text(ORIGIN, "INC\n7", 3, 300, bytes(32), 250, bytes(32))
    for bad in (text.replace("events 3", "events 03"), text.replace("last 250", "last x")):
        with pytest.raises(note.NoteError):
            bundle.parse_completeness(bad)


def test_a_log_deep_enough_for_three_tile_levels(tmp_path: Path) -> None:
    """Given 65,793 records (tiles at levels 0, 1 and 2), then the export verifies, and a
    flipped byte in the level-2 tile is found by recomputing it from level 1."""
    size = 65_536 + 256 + 1
    deep = build([f"INC-{i % 97}" for i in range(size)])
    directory = deep.export(tmp_path / "deep")
    assert (directory / "tile/2/000.p/1").is_file()
    assert check_export(directory).exit_code == 0
    top = directory / "tile/2/000.p/1"
    top.write_bytes(bytes([top.read_bytes()[0] ^ 1]) + top.read_bytes()[1:])
    report = check_export(directory)
    want = "hash 0 of the tile tile/2/000.p/1 is not the root of the tile tile/1/000"
    assert [f.message for f in report.findings] == [want]
