"""S6 kindergarten food poisoning with the 2-hour upward report. 004:L136, L142-150.

VIOLATES two deadlines on purpose: the report to the 园办室 is filed at T+150 (≤ 2 h,
004:L142, ``kg.internal_report``) and the report to the county health department at T+160
(≤ 2 h from discovery, ``cn_public_health`` [R]).
"""

from __future__ import annotations

from contracts.enums import ActionCategory as A
from contracts.enums import IncidentKind as K
from contracts.enums import NotifyChannel as C
from contracts.enums import RecipientRole as R
from contracts.enums import ReportChannel as Via
from contracts.events import (
    CasualtyRecorded,
    EvidenceAttached,
    IncidentClassified,
    IncidentClosed,
    IncidentResolved,
    PlanActivated,
)
from contracts.levels import CasualtySeverity, EvidenceKind, Level, Regime, Severity
from contracts.levels import ReportStage as St
from contracts.scenarios._dsl import Script, act, actor, arrive, depart, dispatch, tell

TEACHER = actor("kg-head-teacher", "主班教师 head teacher", "head_teacher")
CLINIC = actor("kg-clinic", "医务室 clinic", "clinic")
CANTEEN = actor("kg-canteen", "食堂 canteen", "canteen_staff")
HEAD = actor("kg-principal", "园长 principal", "principal")
EMS = "急救中心 ambulance"


def _first_hour(s: Script) -> None:
    s(
        0,
        TEACHER,
        s.reported(K.FOOD_POISONING, "Three children vomit after lunch", "中心幼儿园", Via.WALK_IN),
    )
    s(0, TEACHER, tell(R.MEDICAL, C.IN_PERSON, "医务室 clinic", "配班教师 brings the children"))
    s(3, CLINIC, act(A.FIRST_AID, "initial treatment"))
    s(3, CLINIC, tell(R.GENERAL_MANAGER, C.PHONE, "园长 principal"))
    s(3, CLINIC, tell(R.STAFF, C.PHONE, "食堂管理人员 canteen manager"))
    s(5, CANTEEN, act(A.EVIDENCE_PRESERVED, "suspect food, raw materials and tools kept; 封闭伙房"))
    sample = EvidenceAttached(
        kind=EvidenceKind.SAMPLE,
        uri=f"sample://kg/{s.index}/lunch",
        description="食品留样 lunch samples",
    )
    s(5, CANTEEN, sample)
    s(8, HEAD, arrive("园长 principal"))
    s(8, HEAD, PlanActivated(plan_id="kg-food-poisoning", level=Level.GENERAL))
    s(
        8,
        HEAD,
        IncidentClassified(
            severity=Severity.SEV3,
            level=Level.GENERAL,
            regimes=(Regime.CN_PUBLIC_HEALTH,),
            aware_at=s.at(0),
        ),
    )
    s(8, HEAD, tell(R.AMBULANCE_120, C.PHONE, "120 and 县医院"))
    s(8, HEAD, dispatch(s, EMS, R.AMBULANCE_120, eta=18))


def _reports(s: Script) -> None:
    s(18, HEAD, arrive(EMS, R.AMBULANCE_120, "陕E·120XX"))
    s(20, HEAD, depart(EMS, R.AMBULANCE_120, "县医院 county hospital"))
    s(
        20,
        HEAD,
        CasualtyRecorded(
            count=3, severity=CasualtySeverity.HOSPITALIZED, hospital="县医院 county hospital"
        ),
    )
    s(22, TEACHER, tell(R.FAMILY, C.PHONE, "parents", "children taken to hospital"))
    s(150, HEAD, s.filed(150, Regime.INTERNAL, St.INITIAL, "园办室 kindergarten office"))
    s(155, HEAD, tell(R.REGULATOR, C.PHONE, "区文教局 district education bureau"))
    s(160, HEAD, s.filed(160, Regime.CN_PUBLIC_HEALTH, St.INITIAL, "县卫生行政部门"))
    s(1440, HEAD, IncidentResolved(reason="children discharged"))
    s(2880, HEAD, IncidentClosed(reason="health authority investigation concluded"))


def food_poisoning(s: Script) -> None:
    _first_hour(s)
    _reports(s)
