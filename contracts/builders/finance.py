"""Builders for losses, claims, filed reports and deadline decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Unpack

from contracts.builders.base import EnvelopeArgs, build
from contracts.envelope import Envelope
from contracts.events import (
    ClaimOpened,
    ClaimUpdated,
    DeadlinePaused,
    DeadlineResumed,
    DeadlineWaived,
    LossRecorded,
    LossRevised,
    Personal,
    ReportFiled,
)
from contracts.levels import Basis, ClaimStatus, LossCategory, Regime, ReportStage


def record_loss(
    *,
    loss_id: str,
    category: LossCategory,
    amount_minor: int,
    currency: str,
    basis: Basis,
    insured: bool = False,
    insurer: str = "",
    policy_ref: str | None = None,
    description: str = "",
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """损失: ``loss.recorded.v1``."""
    payload = LossRecorded(
        loss_id=loss_id,
        category=category,
        amount_minor=amount_minor,
        currency=currency,
        basis=basis,
        insured=insured,
        insurer=insurer,
        policy_ref=policy_ref,
        description=description,
    )
    return build(payload, **env)


def revise_loss(
    *,
    loss_id: str,
    category: LossCategory,
    amount_minor: int,
    currency: str,
    basis: Basis,
    reason: str,
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """损失核定: ``loss.revised.v1`` (the other fields keep their defaults)."""
    payload = LossRevised(
        loss_id=loss_id,
        category=category,
        amount_minor=amount_minor,
        currency=currency,
        basis=basis,
        reason=reason,
    )
    return build(payload, **env)


def file_report(
    *,
    regime: Regime,
    stage: ReportStage,
    recipient: str,
    submitted_at: datetime,
    document_sha256: str,
    reference: str | None = None,
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """报告: ``report.filed.v1``."""
    payload = ReportFiled(
        regime=regime,
        stage=stage,
        recipient=recipient,
        reference=reference,
        submitted_at=submitted_at,
        document_sha256=document_sha256,
    )
    return build(payload, **env)


def open_claim(
    *,
    claim_number: str,
    insurer: str,
    policy_number: str,
    currency: str,
    reserve_minor: int = 0,
    personal: Personal | None = None,
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """理赔: ``claim.opened.v1`` with status ``open``."""
    payload = ClaimOpened(
        claim_number=claim_number,
        insurer=insurer,
        policy_number=policy_number,
        status=ClaimStatus.OPEN,
        currency=currency,
        reserve_minor=reserve_minor,
        personal=personal,
    )
    return build(payload, **env)


def update_claim(
    *,
    claim_number: str,
    insurer: str,
    policy_number: str,
    status: ClaimStatus,
    currency: str,
    paid_minor: int = 0,
    reserve_minor: int = 0,
    recovered_minor: int = 0,
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """理赔进展: ``claim.updated.v1`` with the current status and totals."""
    payload = ClaimUpdated(
        claim_number=claim_number,
        insurer=insurer,
        policy_number=policy_number,
        status=status,
        currency=currency,
        paid_minor=paid_minor,
        reserve_minor=reserve_minor,
        recovered_minor=recovered_minor,
    )
    return build(payload, **env)


def waive_deadline(
    *, deadline_ref: str, authorised_by: str, reason: str, **env: Unpack[EnvelopeArgs]
) -> Envelope:
    """免报: ``deadline.waived.v1``."""
    payload = DeadlineWaived(deadline_ref=deadline_ref, authorised_by=authorised_by, reason=reason)
    return build(payload, **env)


def pause_deadline(
    *, deadline_ref: str, authorised_by: str, reason: str, **env: Unpack[EnvelopeArgs]
) -> Envelope:
    """暂停计时: ``deadline.paused.v1``."""
    payload = DeadlinePaused(deadline_ref=deadline_ref, authorised_by=authorised_by, reason=reason)
    return build(payload, **env)


def resume_deadline(
    *, deadline_ref: str, authorised_by: str, reason: str, **env: Unpack[EnvelopeArgs]
) -> Envelope:
    """恢复计时: ``deadline.resumed.v1``."""
    payload = DeadlineResumed(deadline_ref=deadline_ref, authorised_by=authorised_by, reason=reason)
    return build(payload, **env)
