"""Incremental verification of an export from a pin state: the state round-trips, holds
against its checkpoint or stops the run naming itself, and a run from it reads only the
records after the pin yet finds what a full run finds among them."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from ledger_verify import cli, export, note, pin_state
from ledger_verify.pin_state import PinState
from ledger_verify.report import Report, Stop

from tests.unit.verify.ledgers import KEY, ORIGIN, build, entries, repack
from tests.unit.verify.test_mutation_fuzz import MUTATIONS

pytestmark = pytest.mark.unit

INCIDENTS = [f"INC-{i * 7 % 5}" for i in range(700)] + ["INC-new"] * 3
LEDGER = build(INCIDENTS)
KEYS = [note.parse_verifier(KEY)]
PIN = 300  # mid entry bundle: the run starts inside bundle 1


def pinned_at(tmp_path: Path, size: int = PIN) -> PinState:
    """The state a valid full run of an export of ``size`` records leaves."""
    report = export.verify(LEDGER.export(tmp_path / f"export-{size}", size), KEYS)
    assert report.exit_code == 0, report.render_text()
    assert report.state is not None
    return report.state


def incremental(directory: Path, state: PinState) -> Report:
    return export.verify(directory, KEYS, state=pin_state.open_state(state, KEYS))


def stopped(state: PinState) -> Stop:
    with pytest.raises(Stop) as raised:
        pin_state.open_state(pin_state.parse(state.to_json()), KEYS)
    return raised.value


def test_the_state_round_trips_and_holds(tmp_path: Path) -> None:
    """Given a full run's state, when written and read back, then it is the same state and
    it holds against its checkpoint: size, root and every incident's last record."""
    state = pinned_at(tmp_path)
    pin_state.write(tmp_path / "state.json", state)
    again = pin_state.parse((tmp_path / "state.json").read_text())
    assert again == state
    assert json.loads(state.to_json())["format"] == "ledger-verify-pin/1"
    opened = pin_state.open_state(again, KEYS)
    assert (opened.checkpoint.size, opened.tree.root()) == (PIN, opened.checkpoint.root)
    assert opened.heads["INC-2"][1] == LEDGER.positions("INC-2", PIN)[-1]


@pytest.mark.parametrize("size", [0, 256, PIN, 700, len(INCIDENTS)])
def test_an_export_made_in_two_steps_verifies_incrementally_as_in_full(
    tmp_path: Path, size: int
) -> None:
    """Given a state pinned at ``size`` and a later export of the whole log, when verified
    from the state, then it is valid, reads only the newer records, and leaves the same
    state a full run of the later export leaves."""
    state = pinned_at(tmp_path, size)
    later = LEDGER.export(tmp_path / "later")
    report = incremental(later, state)
    assert report.exit_code == 0, report.render_text()
    assert report.events == len(INCIDENTS) - size
    assert report.state == export.verify(later, KEYS).state


def test_a_tampered_state_stops_the_run_naming_it(tmp_path: Path) -> None:
    state = pinned_at(tmp_path)
    flipped = bytes([state.compact[0][0] ^ 1]) + state.compact[0][1:]
    edits = {
        "does not hash to its checkpoint's root": replace(
            state, compact=(flipped, *state.compact[1:])
        ),
        "its size 301 is not its checkpoint's 300": replace(state, size=301),
        "compact range is not one": replace(state, compact=state.compact[1:]),
        "lies beyond its checkpoint's 300": replace(state, heads={"INC-1": (2, 301, "0" * 64)}),
    }
    for words, edited in edits.items():
        stop = stopped(edited)
        assert (stop.verdict, stop.finding.code) == (3, "pin-state"), words
        assert words in stop.finding.message
    other = LEDGER.checkpoint(PIN, note.generate("elsewhere.example/log"))
    assert stopped(replace(state, checkpoint=other)).verdict == 3
    with pytest.raises(Stop) as raised:
        pin_state.parse('{"format": "ledger-verify-pin/1", "size": 1}')
    assert (raised.value.verdict, raised.value.finding.code) == (2, "pin-state")


def test_a_head_edited_in_the_state_shows_at_the_incidents_next_record(tmp_path: Path) -> None:
    state = pinned_at(tmp_path)
    version, position, _ = state.heads["INC-3"]
    edited = replace(state, heads={**state.heads, "INC-3": (version, position, "ab" * 32)})
    report = incremental(LEDGER.export(tmp_path / "later"), edited)
    assert report.exit_code == 1
    first_after = next(p for p in LEDGER.positions("INC-3") if p > PIN)
    assert [(f.code, f.position) for f in report.findings] == [("prev", first_after)]


def test_a_record_after_the_pin_edited_is_named(tmp_path: Path) -> None:
    state, later = pinned_at(tmp_path), LEDGER.export(tmp_path / "later")
    records = entries(later, len(INCIDENTS))
    records[399] = records[399].replace(b"smoke", b"smokf")
    repack(later, records)
    report = incremental(later, state)
    assert report.exit_code == 1
    assert {(f.code, f.position) for f in report.findings} >= {("leaf", 400)}
    assert "root" in {f.code for f in report.findings}


def test_history_rewritten_before_the_pin_fails_the_consistency(tmp_path: Path) -> None:
    """Given a log rewritten at position 12 and re-signed, with every hash recomputed, when
    an export of it is verified from a state pinned before the rewrite, then the pinned
    tree and the new records do not add up to the signed root, and the first record of
    INC-2 after the pin does not continue the head the state holds; a full run from the
    pinned checkpoint calls it a fork."""
    state = pinned_at(tmp_path)
    rewritten = build(INCIDENTS, lambda p, r: r.replace(b"smoke", b"smokf") if p == 12 else r)
    later = rewritten.export(tmp_path / "rewritten")
    report = incremental(later, state)
    assert report.exit_code == 1
    first_after = next(p for p in LEDGER.positions("INC-2") if p > PIN)
    assert [(f.code, f.position) for f in report.findings] == [
        ("prev", first_after),
        ("root", None),
    ]
    assert "the log before the pin was rewritten" in report.findings[1].message
    full = export.verify(later, KEYS, state.checkpoint)
    assert full.exit_code == 1
    assert "fork" in {f.code for f in full.findings}


def test_a_rolled_back_checkpoint_against_a_newer_pin_exits_3(tmp_path: Path) -> None:
    state = pinned_at(tmp_path, 700)
    report = incremental(LEDGER.export(tmp_path / "older", PIN), state)
    assert (report.exit_code, report.findings[0].code) == (3, "rollback")


def test_the_command_line_keeps_the_state(tmp_path: Path) -> None:
    """Given a full run that writes a pin, when the later export is verified from it with
    --write-pin, then it is valid and the state moves on; --full checks every record."""
    first, state = LEDGER.export(tmp_path / "first", PIN), tmp_path / "pin.json"
    assert cli.main([str(first), "--key", KEY, "--write-pin", str(state)]) == 0
    later = LEDGER.export(tmp_path / "later")
    assert cli.main([str(later), "--key", KEY, "--pin", str(state), "--write-pin", str(state)]) == 0
    assert pin_state.parse(state.read_text()).size == len(INCIDENTS)
    report = cli.run(later, KEYS, state.read_text(), full=True)
    assert (report.exit_code, report.events, report.origin) == (0, len(INCIDENTS), ORIGIN)
    state.write_text(state.read_text().replace('"size":703', '"size":702'))
    assert cli.main([str(later), "--key", KEY, "--pin", str(state)]) == 3


@pytest.mark.parametrize("kind", sorted(set(MUTATIONS) - {"tile byte"}))
def test_every_mutation_after_the_pin_is_found_incrementally(tmp_path: Path, kind: str) -> None:
    """Given a state pinned at 0, when any one mutation of the mutation tests but an upper
    tile's (which only a full run recomputes) is made to an export, then the incremental
    run does not pass it either."""
    state, rng = pinned_at(tmp_path, 0), random.Random(kind)
    for attempt in range(3):
        directory = LEDGER.export(tmp_path / f"export-{attempt}")
        what = MUTATIONS[kind](directory, len(INCIDENTS), rng)
        assert incremental(directory, state).exit_code != 0, what


def test_a_bundle_checks_against_the_states_checkpoint(tmp_path: Path) -> None:
    state = pinned_at(tmp_path).to_json()
    path = tmp_path / "bundle.zip"
    path.write_bytes(LEDGER.bundle("INC-2", since=PIN))
    assert cli.run(path, KEYS, state).exit_code == 0
    path.write_bytes(LEDGER.bundle("INC-2"))
    assert "consistency proof" in cli.run(path, KEYS, state).render_text()
