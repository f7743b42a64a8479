"""S7 95598 multi-line 10 kV outage: general (> 2 lines) vs major (> 3 lines). 004:L13-17.

Lines trip at T+0, T+12, T+20 (third: 一般应急方案) and T+35 (fourth: 重大应急方案). The
storm makes it a natural disaster, so the NEA 快报 is due ≤ 1 h [R]: filed at T+55 (met).
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
    IncidentEscalated,
    IncidentResolved,
    PlanActivated,
    ServiceRestored,
)
from contracts.levels import Level, Regime, Severity
from contracts.levels import ReportStage as St
from contracts.scenarios._dsl import Script, act, actor, note, tell

DUTY = actor("95598-duty", "值班人员 duty staff", "agent")
DEPUTY = actor("95598-deputy", "客服副主任 deputy director", "cs_deputy_director_95598")
SPEC = actor("95598-spec", "客服中心专责 specialist", "cs_specialist_95598")
CREW = actor("line-crew-4", "线路班班长 line crew lead", "line_crew_lead")


def _general(s: Script) -> None:
    s(0, DUTY, s.reported(K.POWER_OUTAGE, "Storm: unplanned 10 kV outage", "95598", Via.MONITORING))
    s(0, DUTY, tell(R.SUPERVISOR, C.PHONE, "客服主任", "abnormal operation; calls rising"))
    s(12, DUTY, note("Second unplanned 10 kV line out (2 lines)."))
    s(20, DUTY, note("Third unplanned 10 kV line out (3 lines > 2)."))
    s(
        20,
        DEPUTY,
        IncidentClassified(
            severity=Severity.SEV3,
            level=Level.GENERAL,
            regimes=(Regime.CN_POWER_DISASTER,),
            aware_at=s.at(0),
        ),
    )
    s(
        20,
        DEPUTY,
        PlanActivated(plan_id="95598-outage", level=Level.GENERAL, plan_name="一般应急方案"),
    )
    s(20, DEPUTY, act(A.STAFF_ADDED, "+1 agent; shift extended; next shift brought forward"))
    s(20, DEPUTY, tell(R.GENERAL_MANAGER, C.PHONE, "中心主任 centre director"))


def _major(s: Script) -> None:
    s(35, DUTY, note("Fourth unplanned 10 kV line out (4 lines > 3)."))
    s(
        35,
        DEPUTY,
        IncidentEscalated(
            from_level=Level.GENERAL,
            to_level=Level.MAJOR,
            reason="more than three 10 kV lines out: 重大应急方案",
        ),
    )
    s(35, DEPUTY, act(A.STAFF_ADDED, "+2 agents and the 专责 on seat"))
    s(36, CREW, act(A.OTHER, "regional repair plan started; crews dispatched"))
    s(40, DEPUTY, tell(R.DUTY_MANAGER, C.PHONE, "小组领导 group leaders", "continuous updates"))
    s(50, SPEC, act(A.PUBLIC_NOTICE, "media statement on the outage and repair times"))
    s(55, SPEC, s.filed(55, Regime.CN_POWER_DISASTER, St.INITIAL, "能源局派出机构 NEA office"))
    s(240, CREW, ServiceRestored(service="10 kV lines", text="all four lines back in service"))
    s(245, DEPUTY, IncidentResolved(reason="supply restored; staffing back to normal"))
    s(300, SPEC, note("专责 summary written."))
    s(300, SPEC, IncidentClosed(reason="应急结束"))


def grid_outage(s: Script) -> None:
    _general(s)
    _major(s)
