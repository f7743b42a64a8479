"""An incremental run finds the pin's line in ``columns.ndjson`` by bisection: given lines
of any length, it lands right after the position's line; given a garbled file, it lands
right or says it did not (and the run counts lines instead)."""

from __future__ import annotations

import json
import tempfile
from typing import IO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_verify.columns_file import seek_past

pytestmark = pytest.mark.unit


def _lines(pads: list[int]) -> list[bytes]:
    return [
        json.dumps({"hash": "x" * pad, "position": i + 1}, sort_keys=True).encode() + b"\n"
        for i, pad in enumerate(pads)
    ]


@settings(max_examples=50, deadline=None)
@given(pads=st.lists(st.integers(0, 300), min_size=1, max_size=60), data=st.data())
def test_it_lands_after_the_positions_line(pads: list[int], data: st.DataObject) -> None:
    lines = _lines(pads)
    position = data.draw(st.integers(1, len(lines)))
    with _seekable(b"".join(lines)) as columns:
        assert seek_past(columns, position)
        assert columns.read() == b"".join(lines[position:])


@settings(max_examples=50, deadline=None)
@given(
    pads=st.lists(st.integers(0, 50), min_size=2, max_size=40),
    garbage=st.binary(max_size=80),
    data=st.data(),
)
def test_a_garbled_file_lands_right_or_says_so(
    pads: list[int], garbage: bytes, data: st.DataObject
) -> None:
    lines = _lines(pads)
    position = data.draw(st.integers(1, len(pads)))
    after = lines[position] if position < len(pads) else b""
    lines.insert(data.draw(st.integers(0, len(lines))), garbage + b"\n")
    with _seekable(b"".join(lines)) as columns:
        if seek_past(columns, position):
            # garbage holding newlines is several lines (split at b"\n" only, as readline
            # does: bytes.splitlines also splits at b"\r"): it may land on any of them
            assert columns.readline() in (after, *(g + b"\n" for g in garbage.split(b"\n")))
        else:
            assert columns.tell() == 0


def _seekable(data: bytes) -> IO[bytes]:
    """A real file: ``seek_past`` asks its size of the operating system."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the caller's with closes it)
    handle.write(data)
    handle.seek(0)
    return handle
