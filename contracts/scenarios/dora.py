"""S10 DORA-classified ICT incident (a DDoS on the customer portal). 004:L29-38, L51, L60;
002:L413-415; reference L9, L46-86.

Use a Friday 16:00 ``start`` for the textbook timeline. Awareness at T+0, classified major
at T+2 h; initial notification at T+5 h (due min(class + 4 h, aware + 24 h) = T+6 h: met);
service restored at T+30 h; intermediate report at T+31 h (due ≤ 72 h after the initial:
met); final report 20 days later (≤ 1 month after the last intermediate: met).
"""

from __future__ import annotations

from contracts.enums import ActionCategory as A
from contracts.enums import IncidentKind as K
from contracts.enums import NotifyChannel as C
from contracts.enums import RecipientRole as R
from contracts.enums import ReportChannel as Via
from contracts.events import (
    EvidenceAttached,
    IncidentClassified,
    IncidentClosed,
    LossRecorded,
    ServiceRestored,
)
from contracts.levels import Basis, EvidenceKind, Level, LossCategory, Regime, Severity
from contracts.levels import ReportStage as St
from contracts.scenarios._dsl import Script, act, actor, digest, tell

MONITOR = actor("netops-monitor", "网管中心 ops monitor", "ops_engineer")
LEAD = actor("netops-lead", "网管中心负责人 ops lead", "ops_supervisor")
RISK = actor("ict-risk", "ICT risk officer", "compliance")
NCA = "national competent authority"


def _classified(s: Script) -> IncidentClassified:
    return IncidentClassified(
        severity=Severity.SEV2,
        level=Level.MAJOR,
        regimes=(Regime.DORA,),
        aware_at=s.at(0),
        classified_major_at=s.at(120),
        materiality_determined_at=s.at(120),
        rationale="CDR 2024/1772: clients affected, critical service down > 2 h",
    )


def dora(s: Script) -> None:
    s(
        0,
        MONITOR,
        s.reported(K.CYBER_INCIDENT, "DDoS on the customer portal", "数据中心", Via.MONITORING),
    )
    s(3, MONITOR, act(A.EVIDENCE_PRESERVED, "保留证据: firewall and server logs kept"))
    logs = EvidenceAttached(
        kind=EvidenceKind.LOG,
        uri=f"s3://evidence/ddos/{s.index}.tar",
        sha256=digest(f"ddos-logs-{s.index}"),
    )
    s(3, MONITOR, logs)
    s(3, LEAD, tell(R.GENERAL_MANAGER, C.PHONE, "leadership", "portal under attack"))
    s(10, MONITOR, act(A.ATTACK_BLOCKED, "attack sources found and cut off"))
    s(120, RISK, _classified(s))
    s(300, RISK, s.filed(300, Regime.DORA, St.INITIAL, NCA))
    s(360, LEAD, tell(R.CUSTOMER, C.PORTAL, "all clients", "portal degraded; funds safe"))
    s(1800, LEAD, ServiceRestored(service="customer portal", text="traffic scrubbing in place"))
    s(1860, RISK, s.filed(1860, Regime.DORA, St.INTERMEDIATE, NCA))
    cost = LossRecorded(
        loss_id="bi-1",
        category=LossCategory.BUSINESS_INTERRUPTION,
        amount_minor=8_500_000,
        currency="EUR",
        basis=Basis.ESTIMATE,
    )
    s(2000, RISK, cost)
    s(30660, RISK, s.filed(30660, Regime.DORA, St.FINAL, NCA))
    s(30700, LEAD, IncidentClosed(reason="final report filed; summary on the 信息平台"))
