"""Which tiles the API serves for a signed tree, and the entry bundle encoding: exactly the
tiles a tree of that size (or a smaller one) has, and records framed so that the
verifier reads them back."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_verify.export import parse_entries
from ledger_verify.tile_paths import TileRef
from ledger_verify.tiles import WIDTH, tiles_of

from contracts import canonical
from contracts.codec import decode_envelope
from contracts.limits import (
    DEFAULT_LIMITS,
    MAX_ORIGIN_BYTES,
    MAX_RECORD_BYTES,
    RECORD_HEADROOM,
    Limits,
)
from contracts.personal import personal_values, replaced
from ledger.audit.served_tiles import MAX_ENTRY, OversizeRecord, entry_bundle, within
from ledger.domain.record import Link, record_bytes
from ledger.store import sealing

pytestmark = pytest.mark.unit


@given(st.integers(0, 5 * WIDTH**2))
def test_every_tile_of_the_tree_is_served_and_none_beyond(size: int) -> None:
    tiles = list(tiles_of(size))
    for level, index, width in tiles:
        assert within(TileRef(level, index, width), size)
        assert within(TileRef(level, index, 1), size)  # a smaller tree's partial tile
        if level == 0:
            assert within(TileRef(None, index, width), size)
    levels = {level for level, _, _ in tiles}
    for level in levels | {max(levels, default=0) + 1}:
        last = max((i for lv, i, _ in tiles if lv == level), default=-1)
        assert not within(TileRef(level, last + 1, 1), size)
    if size % WIDTH:
        assert not within(TileRef(0, size // WIDTH, size % WIDTH + 1), size)
        assert not within(TileRef(0, size // WIDTH), size)


@given(st.lists(st.binary(max_size=300), max_size=WIDTH))
def test_an_entry_bundle_reads_back_as_its_records(records: list[bytes]) -> None:
    assert parse_entries(entry_bundle(records)) == (records, "")


def test_a_record_too_long_for_its_length_prefix_is_named_by_its_position() -> None:
    assert MAX_ENTRY == MAX_RECORD_BYTES == 2**16 - 1  # the format's uint16 length prefix
    entry_bundle([b"x" * MAX_ENTRY])
    with pytest.raises(OversizeRecord, match="position 258 is 65536 bytes") as caught:
        entry_bundle([b"x", b"x" * (MAX_ENTRY + 1)], first=256)
    assert (caught.value.position, caught.value.size) == (258, MAX_ENTRY + 1)


def _incident_report(personal: str) -> dict[str, Any]:
    """An ``incident.reported.v1`` as short as it can be, every personal field given."""
    names = ("name", "phone", "id_number", "address", "employer", "note")
    return {
        "event_id": str(uuid.uuid4()), "incident_id": "I", "type": "incident.reported.v1",
        "occurred_at": "2026-01-01T00:00:00Z", "source": "s",
        "actor": {"id": "u", "name": personal},
        "payload": {
            "kind": "fire", "title": "t", "site": {"name": "n"}, "channel": "phone",
            "detected_at": "2026-01-01T00:00:00Z", "personal": dict.fromkeys(names, personal),
        },
    }  # fmt: skip


def _sealed_record(sent: bytes, origin: str) -> bytes:
    """The record the ingest stores for ``sent``: canonical, each personal value replaced
    by its token, in a record with the longest position, version and link."""
    envelope = decode_envelope(sent)
    event = msgspec.json.decode(canonical.encode_struct(envelope))
    tokens = [
        (path, sealing.seal(bytes(32), str(envelope.event_id), ".".join(path), value).token)
        for path, value in personal_values(event)
    ]
    assert len(tokens) == 7
    largest = 2**63 - 1
    return record_bytes(
        canonical.encode_decoded(replaced(event, tokens)), origin=origin, position=largest,
        version=largest, recorded_at="2026-01-01T00:00:00.000000Z", prev=Link(largest, bytes(32)),
    )  # fmt: skip


def test_a_maximal_envelope_sealed_fits_a_record() -> None:
    """Given an event of the type with the most personal fields, each one character (its
    token far longer), every optional field left to its default, and the longest origin,
    then what its record adds is within the headroom the envelope limit leaves, so such an
    envelope of the largest size makes a record that fits an entry (the sequencer refuses
    any record that would not, as ``oversize``)."""
    sent = msgspec.json.encode(_incident_report("a"))
    growth = len(_sealed_record(sent, "\U0001f4dc" * (MAX_ORIGIN_BYTES // 4))) - len(sent)
    assert growth <= RECORD_HEADROOM
    assert DEFAULT_LIMITS.max_envelope_bytes + RECORD_HEADROOM <= MAX_RECORD_BYTES
    with pytest.raises(ValueError, match="so that every record fits"):
        Limits(max_envelope_bytes=DEFAULT_LIMITS.max_envelope_bytes + 1)
