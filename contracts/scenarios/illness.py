"""S9 customer illness in the service hall. 004:L315-320; 002:L497-503, L244-251.

The ambulance's arrival at T+14 is an assumption. No seed deadline.
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
    IncidentClosed,
    IncidentResolved,
    Personal,
)
from contracts.levels import CasualtySeverity, EvidenceKind, Regime
from contracts.levels import ReportStage as St
from contracts.scenarios._dsl import Script, act, actor, arrive, depart, digest, dispatch, tell

AGENT = actor("hall-agent-3", "客服人员 agent", "agent")
GUARD = actor("hall-security", "保安 security", "security")
SUPER = actor("hall-super", "值班主管 duty supervisor", "duty_supervisor")
EMS = "急救中心 ambulance"


def illness(s: Script) -> None:
    s(0, AGENT, s.reported(K.ILLNESS, "Customer collapsed at counter 4", "服务大厅", Via.WALK_IN))
    s(0, AGENT, act(A.FIRST_AID, "helped; not moved"))
    s(0, GUARD, act(A.CORDON, "order kept; isolation zone set"))
    s(1, AGENT, tell(R.AMBULANCE_120, C.PHONE, "120", "customer collapsed, breathing"))
    s(1, AGENT, dispatch(s, EMS, R.AMBULANCE_120, eta=14))
    s(2, AGENT, tell(R.SUPERVISOR, C.PHONE, "值班主管 duty supervisor"))
    s(5, SUPER, tell(R.FAMILY, C.PHONE, "family", "customer taken ill in the hall"))
    patient = Personal(name="客户 customer", phone="13600000000", note="witnesses recorded")
    s(
        5,
        SUPER,
        CasualtyRecorded(
            count=1,
            severity=CasualtySeverity.HOSPITALIZED,
            hospital="市第一人民医院",
            personal=patient,
        ),
    )
    s(14, GUARD, arrive(EMS, R.AMBULANCE_120, "渝A·120YY"))
    s(16, GUARD, depart(EMS, R.AMBULANCE_120, "市第一人民医院"))
    s(30, SUPER, act(A.CCTV_PRESERVED, "hall recordings saved"))
    cctv = EvidenceAttached(
        kind=EvidenceKind.CCTV,
        uri=f"cctv://hall/cam-1/{s.index}",
        sha256=digest(f"cctv-ill-{s.index}"),
    )
    s(30, SUPER, cctv)
    s(30, SUPER, s.filed(30, Regime.INTERNAL, St.INITIAL, "应急处理领导小组 leading group"))
    s(35, SUPER, IncidentResolved(reason="customer in hospital care"))
    s(60, SUPER, IncidentClosed(reason="family informed; report filed"))
