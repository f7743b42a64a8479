"""S5 call-volume surge with tiered support at 30-minute steps. 004:L236-241; 002:L22-24.

Tier 1 at T+0; still uncontrolled 30 min later → tier 2 (standby staff); 30 min after
that → tier 3 (functional staff, emergency scheme). Deadlines met.
"""

from __future__ import annotations

from contracts.enums import ActionCategory as A
from contracts.enums import IncidentKind as K
from contracts.enums import NotifyChannel as C
from contracts.enums import RecipientRole as R
from contracts.enums import ReportChannel as Via
from contracts.events import IncidentClosed, IncidentEscalated, PlanActivated, ServiceRestored
from contracts.levels import Level
from contracts.scenarios._dsl import Script, act, actor, note, tell

SUPER = actor("cc-super", "当班值班主任 duty supervisor", "duty_supervisor")
LEAD = actor("cc-lead-1", "值班组长 team lead", "team_lead")


def _tier(from_level: Level, to_level: Level) -> IncidentEscalated:
    reason = "still uncontrolled 30 minutes after the previous tier"
    return IncidentEscalated(from_level=from_level, to_level=to_level, reason=reason)


def call_surge(s: Script) -> None:
    s(0, SUPER, s.reported(K.CALL_SURGE, "Queue over 3x the norm", "呼叫中心", Via.MONITORING))
    s(0, SUPER, PlanActivated(plan_id="cc-surge", level=Level.TIER_1, plan_name="一级支持"))
    s(0, LEAD, act(A.STAFF_ADDED, "whole team on the phones; extra seats opened"))
    s(0, SUPER, tell(R.OPERATIONS_MANAGER, C.PHONE, "运营主管", "surge: tier 1 started"))
    s(30, SUPER, _tier(Level.TIER_1, Level.TIER_2))
    s(30, SUPER, act(A.STAFF_ADDED, "二级支持: standby and off-duty staff called in"))
    s(40, LEAD, note("First standby staff logged in."))
    s(60, SUPER, _tier(Level.TIER_2, Level.TIER_3))
    s(60, SUPER, act(A.STAFF_ADDED, "三级支持: 管理处客服助理 join; emergency scheme started"))
    s(100, SUPER, ServiceRestored(service="inbound queue", text="waiting time back to normal"))
    s(105, SUPER, IncidentClosed(reason="应急结束"))
