"""S2 elevator entrapment. 002:L276-278, L487-496; 003:c1899-2250; reference L36.

VIOLATES ``cn_elevator_rescue`` on purpose: the lift vendor is dispatched at T+1 and
arrives at T+38, 37 minutes later (≤ 30 min in urban areas).
"""

from __future__ import annotations

from contracts.enums import ActionCategory as A
from contracts.enums import IncidentKind as K
from contracts.enums import NotifyChannel as C
from contracts.enums import RecipientRole as R
from contracts.enums import ReportChannel as Via
from contracts.events import (
    IncidentClassified,
    IncidentClosed,
    IncidentResolved,
    Personal,
    ServiceRestored,
)
from contracts.levels import Level, Regime, Severity
from contracts.levels import ReportStage as St
from contracts.scenarios._dsl import Script, act, actor, arrive, depart, dispatch, note, tell

CONTROL = actor("control-room", "中控室 control room", "control_room")
AGENT = actor("cs-agent-02", "客服 agent", "agent")
ENG = actor("lift-tech", "电梯工 lift technician", "engineering")
VENDOR = "电梯维修公司 lift vendor"


def elevator(s: Script) -> None:
    s(
        0,
        CONTROL,
        s.reported(K.ELEVATOR_ENTRAPMENT, "Two people trapped in lift 3", "澎湖湾", Via.SENSOR),
    )
    s(1, CONTROL, tell(R.ENGINEERING, C.RADIO, "电梯工 and 电工"))
    s(1, CONTROL, tell(R.SECURITY, C.RADIO, "保安 security"))
    s(1, CONTROL, tell(R.VENDOR, C.PHONE, VENDOR, "dispatch a technician", f"EL-{s.index}"))
    s(1, CONTROL, dispatch(s, VENDOR, R.VENDOR, eta=31))
    s(2, CONTROL, act(A.REASSURANCE, "talking over the lift phone; CCTV watched"))
    s(4, AGENT, tell(R.DUTY_MANAGER, C.PHONE, "值班领导 duty leader"))
    s(4, AGENT, IncidentClassified(severity=Severity.SEV4, level=Level.GENERAL))
    s(9, ENG, arrive("电梯工 lift technician"))
    s(9, ENG, note("Car between floors 7 and 8; cannot release in-house."))
    s(38, CONTROL, arrive(VENDOR, R.VENDOR))
    freed = Personal(name="乘客 passenger", phone="13900000000", employer="visitor")
    s(45, ENG, act(A.RESCUE, "两人解救 both released, no discomfort reported", freed))
    s(50, CONTROL, depart(VENDOR, R.VENDOR))
    s(60, ENG, IncidentResolved(reason="passengers released"))
    s(90, ENG, ServiceRestored(service="lift 3", text="inspected and back in service"))
    s(95, AGENT, IncidentClosed(reason="处理完毕"))
    s(240, AGENT, s.filed(240, Regime.INTERNAL, St.INITIAL, "物业公司 management office"))
