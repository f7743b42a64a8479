"""Mutation fuzzing: any one edit to an export, of any kind and anywhere, is detected, and
an untouched export never raises a false alarm."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_verify import canonical, export, note

from ledger.domain.record import record_bytes
from tests.unit.verify.ledgers import (
    KEY,
    ORIGIN,
    RECORDED_AT,
    build,
    column_lines,
    columns_of,
    entries,
    event,
    repack,
)

pytestmark = pytest.mark.unit

KEYS = [note.parse_verifier(KEY)]
Mutation = Callable[[Path, int, random.Random], str]  # applies one edit, says which


def _flip(path: Path, rng: random.Random, end: int | None = None) -> str:
    data = bytearray(path.read_bytes())
    offset = rng.randrange(end if end is not None else len(data))
    data[offset] ^= rng.randrange(1, 256)
    path.write_bytes(bytes(data))
    return f"flipped byte {offset} of {path.name}"


def _files(directory: Path, entries_dir: bool) -> list[Path]:
    found = sorted(p for p in (directory / "tile").rglob("*") if p.is_file())
    return [p for p in found if ("entries" in p.parts) == entries_dir]


def flip_entry(directory: Path, size: int, rng: random.Random) -> str:
    return _flip(rng.choice(_files(directory, entries_dir=True)), rng)


def flip_tile(directory: Path, size: int, rng: random.Random) -> str:
    return _flip(rng.choice(_files(directory, entries_dir=False)), rng)


def flip_columns(directory: Path, size: int, rng: random.Random) -> str:
    return _flip(directory / "columns.ndjson", rng)


def edit_checkpoint(directory: Path, size: int, rng: random.Random) -> str:
    """A flipped byte in the signed text (the signature lines may be re-encoded freely)."""
    path = directory / "checkpoint"
    return _flip(path, rng, path.read_bytes().index(b"\n\n") + 1)


def _rows(directory: Path, size: int) -> tuple[list[bytes], list[bytes]]:
    return entries(directory, size), column_lines(directory)


def delete(directory: Path, size: int, rng: random.Random) -> str:
    records, lines = _rows(directory, size)
    i = rng.randrange(size)
    del records[i], lines[i]
    repack(directory, records, lines)
    return f"deleted position {i + 1}"


def duplicate(directory: Path, size: int, rng: random.Random) -> str:
    records, lines = _rows(directory, size)
    i = rng.randrange(size)
    records.insert(i, records[i])
    lines.insert(i, lines[i])
    repack(directory, records, lines)
    return f"duplicated position {i + 1}"


def swap(directory: Path, size: int, rng: random.Random) -> str:
    if size < 2:
        return duplicate(directory, size, rng)
    records, lines = _rows(directory, size)
    i, j = rng.sample(range(size), 2)
    records[i], records[j], lines[i], lines[j] = records[j], records[i], lines[j], lines[i]
    repack(directory, records, lines)
    return f"swapped positions {i + 1} and {j + 1}"


def insert(directory: Path, size: int, rng: random.Random) -> str:
    records, lines = _rows(directory, size)
    i = rng.randrange(size + 1)
    forged = record_bytes(
        event("INC-forged", 1, 10**6), origin=ORIGIN, position=i + 1, version=1,
        recorded_at=RECORDED_AT, prev=None,
    )  # fmt: skip
    records.insert(i, forged)
    lines.insert(i, canonical.encode(columns_of(forged)))
    repack(directory, records, lines)
    return f"inserted a forged record at position {i + 1}"


def truncate(directory: Path, size: int, rng: random.Random) -> str:
    records, lines = _rows(directory, size)
    keep = rng.randrange(size)
    repack(directory, records[:keep], lines[:keep])
    return f"kept only the first {keep} records"


MUTATIONS: dict[str, Mutation] = {
    "entry byte": flip_entry,
    "tile byte": flip_tile,
    "columns byte": flip_columns,
    "checkpoint": edit_checkpoint,
    "delete": delete,
    "duplicate": duplicate,
    "swap": swap,
    "insert": insert,
    "truncate": truncate,
}


@settings(max_examples=100, deadline=None)
@given(
    size=st.integers(1, 40) | st.integers(200, 600),  # tiles partial, full and above
    incidents=st.integers(1, 6),
    kind=st.sampled_from(sorted(MUTATIONS)),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_single_mutation_is_detected(size: int, incidents: int, kind: str, seed: int) -> None:
    """Given a random ledger's export, which verifies, when one random edit of a random
    kind is made to it, then the verifier no longer passes it."""
    rng = random.Random(seed)
    ledger = build([f"INC-{rng.randrange(incidents)}" for _ in range(size)])
    with tempfile.TemporaryDirectory() as tmp:
        directory = ledger.export(Path(tmp) / "export")
        clean = export.verify(directory, KEYS)
        assert clean.exit_code == 0, clean.render_text()
        what = MUTATIONS[kind](directory, size, rng)
        report = export.verify(directory, KEYS)
        assert report.exit_code != 0, f"{kind}: {what} went unnoticed"
