"""S1 property fire: 接警 → 保安确认 → 通报 → 疏散 → 119 → 扑灭 → 善后.

002:L44 (on site ≤ 10 min), L52, L130-140, L262-275; 003:c948-1890. Deadlines met.
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
    IncidentResolved,
    LossRecorded,
    Personal,
    PlanActivated,
)
from contracts.levels import Basis, EvidenceKind, Level, LossCategory, Regime, Severity
from contracts.levels import ReportStage as St
from contracts.scenarios._dsl import (
    Script,
    act,
    actor,
    arrive,
    depart,
    digest,
    dispatch,
    note,
    tell,
)

AGENT = actor("cs-agent-01", "客服 agent", "agent")
GUARD = actor("security-07", "保安 security", "security")
CHIEF = actor("security-mgr", "保安部经理 security manager", "security_manager")
ENG = actor("eng-03", "工程部 engineering", "engineering")
FIRE = "消防救援站 fire station"


def _alarm(s: Script) -> None:
    resident = Personal(name="业主 resident", phone="13800000000")
    s(
        0,
        AGENT,
        s.reported(K.FIRE, "Smoke from the car-park bin room", "澎湖湾", Via.PHONE, resident),
    )
    s(1, AGENT, tell(R.SECURITY, C.RADIO, "保安 patrol", "go and confirm the fire"))
    s(1, AGENT, tell(R.SECURITY, C.PHONE, "消防专管员 fire-safety officer"))
    s(4, GUARD, note("Fire confirmed in the B2 bin room (火情确认)."))
    s(4, GUARD, IncidentClassified(severity=Severity.SEV3, level=Level.GENERAL))
    s(5, AGENT, tell(R.SECURITY, C.PHONE, "保安部经理", "muster firefighting and a cordon"))
    s(5, AGENT, tell(R.GENERAL_MANAGER, C.PHONE, "值班领导 duty leader"))
    s(5, AGENT, tell(R.ENGINEERING, C.PHONE, "工程部经理 engineering manager"))
    s(5, CHIEF, PlanActivated(plan_id="property-fire", level=Level.GENERAL))
    s(5, CHIEF, tell(R.FIRE_119, C.PHONE, "119", "B2 bin room, rubbish burning, guide at gate 2"))
    s(5, CHIEF, dispatch(s, FIRE, R.FIRE_119, eta=18))
    s(6, ENG, act(A.POWER_CUT, "area power cut"))
    s(6, ENG, act(A.GAS_VALVE_CLOSED))
    s(6, ENG, act(A.FIRE_SUPPRESSION, "sprinklers, then smoke extraction; lifts parked"))
    s(7, AGENT, tell(R.CUSTOMER, C.MESSAGING, "estate WeChat group", "close doors and windows"))
    s(9, GUARD, arrive("保安 security team"))


def _response(s: Script) -> None:
    s(10, GUARD, act(A.EVACUATION, "block 3 residents to the assembly point"))
    s(15, GUARD, act(A.HEADCOUNT, "清点人数: all accounted for"))
    s(18, GUARD, arrive(FIRE, R.FIRE_119, "渝A·119XX"))
    s(40, CHIEF, IncidentResolved(reason="火已扑灭 fire extinguished"))
    photo = EvidenceAttached(
        kind=EvidenceKind.PHOTO,
        uri=f"s3://evidence/fire/{s.index}/1.jpg",
        sha256=digest(f"photo-{s.index}"),
    )
    s(45, GUARD, photo)
    loss = LossRecorded(
        loss_id="L1",
        category=LossCategory.PROPERTY,
        amount_minor=1_250_000,
        currency="CNY",
        basis=Basis.ESTIMATE,
    )
    s(50, ENG, loss)
    s(55, GUARD, depart(FIRE, R.FIRE_119))
    s(60, CHIEF, IncidentClosed(reason="应急结束 emergency over"))
    s(300, AGENT, s.filed(300, Regime.INTERNAL, St.INITIAL, "物业公司 management office"))


def fire(s: Script) -> None:
    _alarm(s)
    _response(s)
