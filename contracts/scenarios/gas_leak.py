"""S3 gas leak. 003:c3248-3484, c1018; 002:L174, L267. Deadlines met (on site at T+6)."""

from __future__ import annotations

from contracts.enums import ActionCategory as A
from contracts.enums import IncidentKind as K
from contracts.enums import NotifyChannel as C
from contracts.enums import RecipientRole as R
from contracts.enums import ReportChannel as Via
from contracts.events import CasualtyRecorded, IncidentClosed, IncidentResolved, Personal
from contracts.levels import CasualtySeverity, Regime
from contracts.levels import ReportStage as St
from contracts.scenarios._dsl import Script, act, actor, arrive, depart, dispatch, tell

AGENT = actor("cs-agent-03", "客服 agent", "agent")
GUARD = actor("security-02", "保安 security", "security")
ENG = actor("eng-05", "工程部 engineering", "engineering")
EMS = "急救中心 ambulance"


def gas_leak(s: Script) -> None:
    resident = Personal(name="住户 resident", phone="13700000000")
    s(0, AGENT, s.reported(K.GAS_LEAK, "Gas smell in a flat", "澎湖湾", Via.PHONE, resident))
    s(0, AGENT, act(A.REASSURANCE, "no switches or phones indoors; leave the flat"))
    s(1, AGENT, tell(R.SUPERVISOR, C.PHONE, "当班主管 duty supervisor"))
    s(1, AGENT, dispatch(s, "保安 security", R.SECURITY, eta=6))
    s(6, GUARD, arrive("保安 security"))
    s(6, GUARD, act(A.VENTILATION, "entered without lights or switches; windows opened"))
    s(6, GUARD, act(A.GAS_VALVE_CLOSED))
    s(8, GUARD, act(A.EVACUATION, "unit and landing"))
    s(8, GUARD, act(A.CORDON, "onlookers moved away"))
    s(10, ENG, arrive("工程部 engineering"))
    s(10, ENG, tell(R.VENDOR, C.PHONE, "燃气公司 gas utility"))
    dizzy = Personal(name="住户 resident")
    s(12, GUARD, CasualtyRecorded(count=1, severity=CasualtySeverity.MINOR, personal=dizzy))
    s(12, GUARD, tell(R.AMBULANCE_120, C.PHONE, "120"))
    s(12, GUARD, tell(R.POLICE_110, C.PHONE, "110"))
    s(25, GUARD, arrive(EMS, R.AMBULANCE_120, "渝A·120XX"))
    s(30, ENG, IncidentResolved(reason="hazard isolated; all clear"))
    s(32, GUARD, depart(EMS, R.AMBULANCE_120, "区人民医院"))
    s(45, AGENT, IncidentClosed(reason="处理完毕"))
    s(240, AGENT, s.filed(240, Regime.INTERNAL, St.INITIAL, "物业公司 management office"))
