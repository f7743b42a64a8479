"""Losses, insurance claims, filed reports and deadline decisions."""

from __future__ import annotations

from contracts.events.base import Payload, Personal
from contracts.levels import Basis, ClaimStatus, LossCategory, Regime, ReportStage
from contracts.types import AwareDatetime, Currency, Minor, Name, Ref, Sha256, Short, Text


class LossRecorded(Payload, frozen=True, kw_only=True):
    """损失 (财产、资金、凭证等损失): an amount in integer minor units of ``currency``."""

    TYPE = "loss.recorded.v1"
    loss_id: Ref
    category: LossCategory
    amount_minor: Minor
    currency: Currency
    basis: Basis
    insured: bool = False
    insurer: Name = ""
    policy_ref: Ref | None = None
    description: Text = ""


class LossRevised(LossRecorded, frozen=True, kw_only=True):
    """损失核定 (revised loss): replaces the amount of ``loss_id``."""

    TYPE = "loss.revised.v1"
    reason: Text = ""


class ReportFiled(Payload, frozen=True, kw_only=True):
    """报告 (上报/续报/核报/事故报告): a report submitted to a recipient under a regime."""

    TYPE = "report.filed.v1"
    regime: Regime
    stage: ReportStage
    recipient: Short
    reference: Ref | None = None
    submitted_at: AwareDatetime
    document_sha256: Sha256


class _Claim(Payload, frozen=True, kw_only=True):
    claim_number: Ref
    insurer: Short
    policy_number: Ref
    status: ClaimStatus
    currency: Currency
    paid_minor: Minor = 0
    reserve_minor: Minor = 0
    recovered_minor: Minor = 0
    personal: Personal | None = None


class ClaimOpened(_Claim, frozen=True, kw_only=True):
    """理赔 (claim opened). ``personal`` is the claimant."""

    TYPE = "claim.opened.v1"


class ClaimUpdated(_Claim, frozen=True, kw_only=True):
    """理赔进展 (claim updated): the current status and totals."""

    TYPE = "claim.updated.v1"


class _DeadlineDecision(Payload, frozen=True, kw_only=True):
    deadline_ref: Ref
    authorised_by: Short
    reason: Text


class DeadlineWaived(_DeadlineDecision, frozen=True, kw_only=True):
    """免报 (a reporting obligation waived, with authority)."""

    TYPE = "deadline.waived.v1"


class DeadlinePaused(_DeadlineDecision, frozen=True, kw_only=True):
    """暂停计时 (a deadline clock paused)."""

    TYPE = "deadline.paused.v1"


class DeadlineResumed(_DeadlineDecision, frozen=True, kw_only=True):
    """恢复计时 (a paused deadline clock resumed)."""

    TYPE = "deadline.resumed.v1"
