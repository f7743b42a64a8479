"""``ledger verify``'s quick path says only "sound": on every kind of damage it finds
exactly what the offline verifier's checker finds, and keeps the same hashes and heads."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ledger_verify.quick_msgspec import QuickChecker
from ledger_verify.records import COLUMNS, Checker

from tests.unit.verify.ledgers import ORIGIN, build, columns_of

pytestmark = pytest.mark.unit

INCIDENTS = [f"INC-{i * 7 % 5}" for i in range(80)]  # five incidents, interleaved


def _swap(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    return lambda record: record.replace(old, new, 1)


# Damage done to the record at a position before it is hashed into the next link.
DAMAGE: dict[int, Callable[[bytes], bytes]] = {
    3: _swap(b'"n":', b'"n": '),  # white space: not canonical
    7: _swap(b'{"event":', b'{"amount":1.5,"event":'),  # a float
    11: _swap(b'{"event":', b'{"big":12345678901234567890,"event":'),  # beyond 2^53 - 1
    13: _swap(b'{"event":', b'{"aaa":"1234567890123456","event":'),  # an extra field
    17: _swap(b'"n":', b'"n":9007199254740993,"o":'),  # a huge integer in the payload
    19: _swap(b'"v":1', b'"v":2'),  # another format
    23: _swap(ORIGIN.encode(), b"elsewhere.example/log"),  # another origin
    29: _swap(b'"causation_id":null,', b""),  # a field missing
    31: _swap(b'"version":', b'"version":1'),  # a version out of line
    37: _swap(b'"position":37', b'"position":36'),  # a position it does not hold
    41: _swap(b'"hash":"', b'"hash":"0'),  # a broken link
    43: _swap(b'"type":"', b'"type":1,"x":"'),  # a mistyped field
    47: _swap(b'"note":"', b'"note":"12345678901234567890 '),  # sixteen digits in a string
}
EDITED_COLUMNS = {53: ("type", "incident.closed"), 59: ("hash", "00")}


def _columns(record: bytes, position: int) -> tuple[object, ...]:
    columns = columns_of(record)
    if position in EDITED_COLUMNS:
        name, value = EDITED_COLUMNS[position]
        columns[name] = value
    return tuple(columns[name] for name in COLUMNS)


class Counting(QuickChecker):
    sound = 0

    def _sound(
        self,
        position: int,
        record: bytes,
        columns: tuple[object, ...] | None,
        line: bytes | None = b"",
    ) -> bool:
        verdict = super()._sound(position, record, columns, line)
        self.sound += verdict
        return verdict


def test_a_sound_record_takes_the_quick_path() -> None:
    ledger = build(INCIDENTS[:2])
    checker = QuickChecker(ORIGIN)
    assert checker._sound(1, ledger.records[0], _columns(ledger.records[0], 1))
    assert checker.heads["INC-0"][0] == 1


@pytest.mark.parametrize("stretch", [False, True])
def test_every_kind_of_damage_is_found_as_the_offline_checker_finds_it(stretch: bool) -> None:
    """Given records damaged in every way the quick path must not pass, two swapped and
    one deleted, when both checkers read them in the order stored, then their findings,
    hashes, heads and first records agree record by record."""
    ledger = build(INCIDENTS, lambda p, r: DAMAGE[p](r) if p in DAMAGE else r)
    stored = [*ledger.records[:60], ledger.records[61], ledger.records[60], *ledger.records[63:]]
    full, quick = Checker(origin=ORIGIN, stretch=stretch), Counting(ORIGIN, stretch=stretch)
    found = 0
    for place, record in enumerate(stored, start=1):
        columns = _columns(record, place)
        expected = full.check(place, record, columns)
        assert quick.check(place, record, columns) == expected, place
        assert (quick.leaf, quick.hash, quick.event_id) == (full.leaf, full.hash, full.event_id)
        found += bool(expected)
    assert (quick.heads, quick.firsts) == (full.heads, full.firsts)
    assert found >= len(DAMAGE) + len(EDITED_COLUMNS)
    assert quick.sound >= len(stored) // 2  # the rest took the quick path
