"""S8 service-hall robbery. 004:L281-293, L257-268 (the 7-item report, archive).

The police response time and the robber's flight time are assumptions. No seed deadline.
"""

from __future__ import annotations

from contracts.enums import ActionCategory as A
from contracts.enums import IncidentKind as K
from contracts.enums import NotifyChannel as C
from contracts.enums import RecipientRole as R
from contracts.enums import ReportChannel as Via
from contracts.events import (
    ClaimOpened,
    ClaimUpdated,
    EvidenceAttached,
    IncidentClosed,
    LossRecorded,
    LossRevised,
)
from contracts.levels import Basis, ClaimStatus, EvidenceKind, LossCategory, Regime
from contracts.levels import ReportStage as St
from contracts.scenarios._dsl import Script, act, actor, arrive, digest, note, tell

COUNTER = actor("hall-counter-1", "柜员 counter agent", "agent")
BACK = actor("hall-back-2", "后台 colleague", "agent")
MANAGER = actor("hall-manager", "客服中心经理 centre manager", "centre_manager")
POLICE = "派出所 police"
POLICY = "PA-2026-7781"
INSURER = "平安财险 insurer"


def _cash(amount: int, basis: Basis) -> LossRecorded:
    return LossRecorded(
        loss_id="cash-1",
        category=LossCategory.CASH,
        amount_minor=amount,
        currency="CNY",
        basis=basis,
        insured=True,
        insurer=INSURER,
        policy_ref=POLICY,
    )


def _counted(amount: int) -> LossRevised:
    return LossRevised(
        loss_id="cash-1",
        category=LossCategory.CASH,
        amount_minor=amount,
        currency="CNY",
        basis=Basis.FINAL,
        insured=True,
        insurer=INSURER,
        policy_ref=POLICY,
        reason="cash counted against the vault ledger",
    )


def _claim(s: Script, opened: bool, amount: int) -> ClaimOpened | ClaimUpdated:
    if opened:
        return ClaimOpened(
            claim_number=f"CLM-{s.index}",
            insurer=INSURER,
            policy_number=POLICY,
            status=ClaimStatus.OPEN,
            currency="CNY",
            reserve_minor=amount,
        )
    return ClaimUpdated(
        claim_number=f"CLM-{s.index}",
        insurer=INSURER,
        policy_number=POLICY,
        status=ClaimStatus.CLOSED,
        currency="CNY",
        paid_minor=amount,
    )


def robbery(s: Script) -> None:
    s(0, COUNTER, s.reported(K.ROBBERY, "Armed robbery at the counter", "服务大厅", Via.WALK_IN))
    s(0, COUNTER, act(A.CASH_SECURED, "cash gathered, safe locked, combination scrambled"))
    s(1, BACK, tell(R.POLICE_110, C.PHONE, "110", "armed robbery in progress", f"110-{s.index}"))
    s(1, BACK, tell(R.GENERAL_MANAGER, C.PHONE, "客服中心经理 centre manager"))
    s(3, COUNTER, tell(R.POLICE_110, C.PHONE, "110", "second call from behind the security door"))
    s(6, COUNTER, note("Robber fled on foot towards the east exit."))
    s(10, MANAGER, arrive(POLICE, R.POLICE_110, "渝A·110XX"))
    s(10, MANAGER, act(A.SCENE_SECURED, "scene kept for the police"))
    s(12, MANAGER, act(A.CCTV_PRESERVED, "recordings saved for the police"))
    cctv = EvidenceAttached(
        kind=EvidenceKind.CCTV,
        uri=f"cctv://hall/cam-2/{s.index}",
        sha256=digest(f"cctv-{s.index}"),
        retained_until=s.at(60 * 24 * 365),
    )
    s(12, MANAGER, cctv)
    s(25, MANAGER, _cash(4_800_000, Basis.ESTIMATE))
    s(30, MANAGER, s.filed(30, Regime.INTERNAL, St.INITIAL, "应急处理领导小组 leading group"))
    s(240, MANAGER, _counted(4_650_000))
    s(1440, MANAGER, _claim(s, True, 4_650_000))
    s(1440, MANAGER, s.filed(1440, Regime.INSURER, St.INSURER_NOTICE, INSURER))
    s(4320, MANAGER, s.filed(4320, Regime.INTERNAL, St.POST_INCIDENT_REVIEW, "安全监察部经理"))
    s(20160, MANAGER, _claim(s, False, 4_650_000))
    s(20160, MANAGER, IncidentClosed(reason="claim paid; report archived"))
