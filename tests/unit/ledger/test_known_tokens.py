"""Given a token in use by many requests at once, the API asks the database about it once
per trust window, shares that one answer, and asks again once the window has passed (a
revocation takes effect within ``TOKEN_TTL``)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from ledger_api import token_store as tokens
from ledger_api.known_tokens import TOKEN_TTL, KnownTokens

pytestmark = pytest.mark.unit

ALICE = tokens.Holder(token_id=uuid.uuid4(), name="alice", role="auditor")


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


class Database:
    def __init__(self, holder: tokens.Holder | None) -> None:
        self.holder, self.asked = holder, 0

    async def lookup(self) -> tokens.Holder | None:
        self.asked += 1
        await asyncio.sleep(0.01)
        return self.holder


async def test_concurrent_requests_share_one_lookup_and_its_answer() -> None:
    known, db = KnownTokens(timer=Clock()), Database(ALICE)
    answers = await asyncio.gather(*(known.holder(b"d", db.lookup) for _ in range(16)))
    assert answers == [ALICE] * 16
    assert db.asked == 1


async def test_a_known_token_is_asked_about_again_once_its_trust_lapses() -> None:
    clock = Clock()
    known, db = KnownTokens(timer=clock), Database(ALICE)
    await known.holder(b"d", db.lookup)
    clock.now += TOKEN_TTL / 2
    await known.holder(b"d", db.lookup)
    assert db.asked == 1
    db.holder = None  # revoked
    clock.now += TOKEN_TTL
    assert await known.holder(b"d", db.lookup) is None
    assert db.asked == 2


async def test_an_unknown_token_is_not_remembered() -> None:
    known, db = KnownTokens(timer=Clock()), Database(None)
    assert await known.holder(b"d", db.lookup) is None
    assert await known.holder(b"d", db.lookup) is None
    assert db.asked == 2


async def test_a_failed_lookup_reaches_every_waiting_request_and_is_not_kept() -> None:
    known = KnownTokens(timer=Clock())

    async def down() -> tokens.Holder | None:
        await asyncio.sleep(0.01)
        raise OSError("database unreachable")

    results = await asyncio.gather(
        *(known.holder(b"d", down) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, OSError) for r in results)
    assert await known.holder(b"d", Database(ALICE).lookup) == ALICE
