"""The loss run's story, seeded through the ingest's writer: a loss no one has claimed, a
claim with revisions and a recovery (the loss-run tests and the command's share it)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from contracts import builders
from contracts.levels import Basis, ClaimStatus, LossCategory
from projector.views import lossrun
from tests.integration.api_story import AGENT, SOURCE, Story, outage

ENV: dict[str, Any] = {"incident_id": "LR-1", "source": SOURCE, "actor": AGENT}
HEADER = lossrun.Header("澎湖湾物业", "all", "all", date(2026, 12, 1))
CLAIM: dict[str, Any] = {"claim_number": "CLM-LR", "insurer": "PICC", "policy_number": "P-1",
                         "currency": "CNY", **ENV}  # fmt: skip


async def history(told: Story) -> list[datetime]:
    """The story, and the instant after each of its three steps."""
    money = {"currency": "CNY", **ENV}
    kit = builders.record_loss(
        loss_id="kit",
        category=LossCategory.PROPERTY,
        amount_minor=2_000_000,
        basis=Basis.ESTIMATE,
        insured=True,
        insurer="PICC",
        policy_ref="P-1",
        **money,
    )
    stock = builders.record_loss(
        loss_id="bi",
        category=LossCategory.BUSINESS_INTERRUPTION,
        amount_minor=1_500,
        currency="KWD",
        basis=Basis.ESTIMATE,
        **ENV,
    )
    revised = builders.revise_loss(
        loss_id="kit",
        category=LossCategory.PROPERTY,
        amount_minor=1_800_000,
        basis=Basis.FINAL,
        reason="assessed",
        **money,
    )
    opened = builders.open_claim(reserve_minor=1_500_000, **CLAIM)
    paid = builders.update_claim(
        status=ClaimStatus.OPEN,
        paid_minor=1_000_000,
        reserve_minor=300_000,
        recovered_minor=200_000,
        **CLAIM,
    )
    instants = []
    for step in ((outage("LR-1", minutes_ago=60), kit, stock), (opened, revised), (paid,)):
        await told.append(*step)
        instants.append(await told.recorded_at("LR-1"))
    await told.project()
    return instants
