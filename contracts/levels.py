"""Severity, response levels and their explicit mapping."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """The ledger's severity scale; ``sev1`` is the worst."""

    SEV1 = "sev1"
    SEV2 = "sev2"
    SEV3 = "sev3"
    SEV4 = "sev4"
    SEV5 = "sev5"


class Level(StrEnum):
    """A plan's response level: 一般/重大 (general/major) or 一级/二级/三级支持 (tiers)."""

    GENERAL = "general"
    MAJOR = "major"
    TIER_1 = "tier_1"
    TIER_2 = "tier_2"
    TIER_3 = "tier_3"


SEVERITY_LEVEL: dict[Severity, Level] = {
    Severity.SEV1: Level.MAJOR,
    Severity.SEV2: Level.MAJOR,
    Severity.SEV3: Level.GENERAL,
    Severity.SEV4: Level.GENERAL,
    Severity.SEV5: Level.GENERAL,
}
"""一般 (general) for sev3–sev5, 重大 (major) for sev1–sev2."""

SEVERITY_TIER: dict[Severity, Level] = {
    Severity.SEV1: Level.TIER_3,
    Severity.SEV2: Level.TIER_3,
    Severity.SEV3: Level.TIER_2,
    Severity.SEV4: Level.TIER_1,
    Severity.SEV5: Level.TIER_1,
}
"""三级支持 for sev1–sev2, 二级 for sev3, 一级 for sev4–sev5."""


class Regime(StrEnum):
    """A reporting regime (internal, legal or contractual)."""

    INTERNAL = "internal"
    DORA = "dora"
    GDPR = "gdpr"
    NIS2 = "nis2"
    CN_SAFETY = "cn_safety"
    CN_WORK_SAFETY = "cn_work_safety"
    CN_PUBLIC_HEALTH = "cn_public_health"
    CN_POWER_DISASTER = "cn_power_disaster"
    CN_CYBER = "cn_cyber"
    CN_ELEVATOR = "cn_elevator"
    INSURER = "insurer"
    OTHER = "other"


class ReportStage(StrEnum):
    """A report's stage. ``early_warning`` and ``incident_notification`` are NIS2's own
    words (Art. 23(4)(a), (b)); a NIS2 filing sent as ``initial`` or ``intermediate``
    still stands for them."""

    INITIAL = "initial"
    INTERMEDIATE = "intermediate"
    FINAL = "final"
    SUPPLEMENTARY = "supplementary"
    POST_INCIDENT_REVIEW = "post_incident_review"
    INSURER_NOTICE = "insurer_notice"
    EARLY_WARNING = "early_warning"
    INCIDENT_NOTIFICATION = "incident_notification"


class CasualtySeverity(StrEnum):
    MINOR = "minor"
    HOSPITALIZED = "hospitalized"
    AMPUTATION_OR_EYE_LOSS = "amputation_or_eye_loss"
    FATAL = "fatal"


class LossCategory(StrEnum):
    PROPERTY = "property"
    CASH = "cash"
    EQUIPMENT = "equipment"
    VEHICLE = "vehicle"
    BUSINESS_INTERRUPTION = "business_interruption"
    THIRD_PARTY_LIABILITY = "third_party_liability"
    MEDICAL = "medical"
    EXPENSE = "expense"
    OTHER = "other"


class Basis(StrEnum):
    ESTIMATE = "estimate"
    FINAL = "final"


class EvidenceKind(StrEnum):
    CCTV = "cctv"
    PHOTO = "photo"
    AUDIO = "audio"
    DOCUMENT = "document"
    LOG = "log"
    SAMPLE = "sample"
    OTHER = "other"


class ClaimStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    REOPENED = "reopened"
    DENIED = "denied"
    SUBROGATED = "subrogated"
