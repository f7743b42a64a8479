"""S4 call-centre application outage with the 5/10/60-minute ladder. 004:L188-199.

Anchors: the 5 min runs from the agent's report to the team lead (T+0); the 10 and 60 min
run from the fault start (T+0 as well here). VIOLATES ``cc_app_outage.notify_supervisor``
on purpose: the team lead reports to the call-centre supervisor at T+7 (≤ 5 min).
The 10- and 60-minute escalations happen on time.
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
    IncidentEscalated,
    ServiceRestored,
)
from contracts.levels import EvidenceKind, Level, Severity
from contracts.scenarios._dsl import Script, act, actor, digest, dispatch, note, tell

AGENT = actor("cc-agent-11", "坐席代表 agent", "agent")
LEAD = actor("cc-lead-2", "值班组长 team lead", "team_lead")
OPS = actor("cc-ops-1", "系统运维专员 ops engineer", "ops_engineer")
SUPER = actor("cc-super", "呼叫中心主管 supervisor", "duty_supervisor")
VENDOR = "系统供应商 CRM vendor"


def app_outage(s: Script) -> None:
    s(0, AGENT, s.reported(K.SYSTEM_OUTAGE, "CRM down for all seats", "呼叫中心", Via.OTHER))
    s(0, AGENT, note("员工日志: CRM login fails on every seat since the start of the fault."))
    s(1, LEAD, tell(R.ENGINEERING, C.PHONE, "系统运维专员", "remote session requested"))
    s(3, LEAD, act(A.MANUAL_RECORDING, "answer from documents; 手工记录表; callback numbers"))
    s(7, LEAD, tell(R.SUPERVISOR, C.PHONE, "呼叫中心主管", "CRM down for all seats"))
    s(7, SUPER, IncidentClassified(severity=Severity.SEV3, level=Level.GENERAL))
    s(10, OPS, tell(R.OPERATIONS_MANAGER, C.PHONE, "运营主管", "not restored in 10 min"))
    s(10, OPS, tell(R.GENERAL_MANAGER, C.PHONE, "中心经理 centre manager"))
    s(10, SUPER, act(A.STAFF_ADDED, "surge staffing plan applied"))
    s(
        60,
        SUPER,
        IncidentEscalated(
            from_level=Level.GENERAL, to_level=Level.MAJOR, reason="unresolved after 60 min"
        ),
    )
    s(60, SUPER, tell(R.VENDOR, C.PHONE, VENDOR, "on-site support requested", f"VT-{s.index}"))
    s(60, SUPER, dispatch(s, VENDOR, R.VENDOR, eta=80))
    s(95, OPS, ServiceRestored(service="CRM", text="vendor patch applied; all seats logged in"))
    s(96, LEAD, tell(R.DUTY_MANAGER, C.PHONE, "leaders", "CRM restored"))
    s(96, LEAD, act(A.CALLBACKS, "agents call back the recorded callers"))
    s(120, LEAD, note("组长日志 completed."))
    form = EvidenceAttached(
        kind=EvidenceKind.DOCUMENT,
        uri=f"docs://cc/fault-forms/{s.index}",
        sha256=digest(f"fault-form-{s.index}"),
        description="系统故障情况处理表",
    )
    s(120, LEAD, form)
    s(125, SUPER, IncidentClosed(reason="service restored; forms filed"))
