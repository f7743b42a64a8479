"""The loss run through the API over the loss-run story (a loss no one has claimed, a claim
with revisions and a recovery): valued at three instants, each shows what the ledger knew
then; a past run read a few events a round trip is the one read in large batches."""

from __future__ import annotations

from typing import Any

import pytest

from projector.views import lossrun
from tests.integration.api_story import Story
from tests.integration.loss_run_story import history

pytestmark = pytest.mark.integration
SHOWN = ("claim_number", "loss_ids", "carrier", "policy_number", "coverage", "status",
         "days_unclaimed",
         *lossrun.AMOUNTS, "currency")  # fmt: skip


async def _rows(told: Story, **params: Any) -> list[tuple[Any, ...]]:
    run = (await told.get("/v1/losses", **params)).json()
    return [tuple(r[c] for c in SHOWN) for r in run["rows"] if r["incident_id"] == "LR-1"]


UNCLAIMED_BI = ("", "bi", "", "", "business_interruption", "unclaimed", 0, "1.500", "0.000",
                "0.000", "0.000", "0.000", "0.000", "KWD")  # fmt: skip


async def test_the_run_at_three_instants_follows_the_revisions_known_then(told: Story) -> None:
    """Given a loss in CNY under policy P-1 and an uninsured one in KWD, then a claim under
    P-1 with the CNY loss revised, then a payment and a recovery: valued after each step,
    the run shows the hand-computed rows, the unclaimed losses among them."""
    first, second, third = await history(told)
    assert await _rows(told, as_of=first.isoformat()) == [
        UNCLAIMED_BI,
        ("", "kit", "PICC", "P-1", "property", "unclaimed", 0, "20000.00", "0.00", "0.00",
         "0.00", "0.00", "0.00", "CNY"),
    ]  # fmt: skip
    assert await _rows(told, as_of=second.isoformat()) == [
        ("CLM-LR", "kit", "PICC", "P-1", "property", "open", None, "18000.00", "0.00",
         "15000.00", "15000.00", "0.00", "15000.00", "CNY"),
        UNCLAIMED_BI,
    ]  # fmt: skip
    settled = [
        ("CLM-LR", "kit", "PICC", "P-1", "property", "open", None, "18000.00", "10000.00",
         "3000.00", "13000.00", "2000.00", "11000.00", "CNY"),
        UNCLAIMED_BI,
    ]  # fmt: skip
    assert await _rows(told, as_of=third.isoformat()) == settled
    assert await _rows(told) == settled  # valued today, from the read model


async def test_a_past_run_read_two_events_a_round_trip_is_the_same(
    told: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given the story and the demo's losses, when the log is read two events a round trip
    (so that incidents straddle the batches), then each past run's rows are the ones read
    in large batches."""
    instants = await history(told)

    async def runs() -> list[Any]:
        return [(await told.get("/v1/losses", as_of=t.isoformat())).json()["rows"]
                for t in instants]  # fmt: skip

    large = await runs()
    monkeypatch.setattr(lossrun, "PREFETCH", 2)
    assert await runs() == large
    assert sum(len(rows) for rows in large) >= 5
