"""An example answer for every endpoint, shown in the OpenAPI document at ``/schema``."""

from __future__ import annotations

from typing import Any

from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example

_STATUS = {
    "incident_id": "INC-20261122-0007",
    "status": "responding",
    "version": 6,
    "last_position": 1842,
    "kind": "elevator_entrapment",
    "title": "3号梯困人 two passengers trapped in lift 3",
    "site_name": "澎湖湾 Penghu Bay",
    "location_code": "PHB-T2",
    "severity": "sev2",
    "level": "general",
    "reported_at": "2026-11-22T02:10:00Z",
    "first_superior_notified_at": "2026-11-22T02:12:30Z",
    "first_arrival_at": "2026-11-22T02:19:00Z",
    "casualties": {},
    "loss_totals": {"CNY": 0},
    "open_deadlines": 0,
    "missed_deadlines": 0,
    "backdated": False,
}
_DEADLINE = {
    "incident_id": "INC-20261122-0007",
    "pack_id": "property",
    "pack_version": "2026.2",
    "rule": "on_site",
    "stage": "response",
    "title": "Staff on site within 10 minutes of the report",
    "ref": "property/on_site",
    "anchor_position": 1837,
    "anchor_at": "2026-11-22T02:10:00Z",
    "start": {"position": 1837, "type": "incident.reported.v1", "at": "2026-11-22T02:10:00Z"},
    "due_at": "2026-11-22T02:20:00Z",
    "due_local": "2026-11-22T10:20:00+08:00",
    "zone": "Asia/Shanghai",
    "raw_due_at": "2026-11-22T02:20:00Z",
    "adjustments": [],
    "lead_time": "PT2M",
    "lead_seconds": 120,
    "state": "met",
    "satisfied_at": "2026-11-22T02:19:00Z",
}
_ENTRY = {
    "position": 1837,
    "version": 1,
    "event_id": "019a4f3c-8d2e-7b10-9c61-2f0e8a6b1d47",
    "type": "incident.reported.v1",
    "occurred_at": "2026-11-22T02:10:00Z",
    "recorded_at": "2026-11-22T02:10:00.041Z",
    "actor": {"id": "agent-7", "name": "坐席 agent", "role": "agent"},
    "source": "callcentre",
    "summary": "Reported: two passengers trapped in lift 3 at 澎湖湾 (elevator_entrapment)",
    "backdated": False,
    "hash": "5f0c…e91a",
    "prev_hash": None,
    "corrected_by": [],
    "event": {"type": "incident.reported.v1", "payload": {"kind": "elevator_entrapment"}},
}
_ROW = {
    "incident_id": "INC-20261122-0003", "claim_number": "CLM-2026-0192", "loss_ids": "cash-1",
    "date_of_loss": "2026-11-20", "date_reported": "2026-11-21", "kind": "robbery",
    "location_code": "SH-01", "claimant": "", "carrier": "平安财险 Ping An",
    "policy_number": "POL-9", "coverage": "cash", "status": "open", "days_unclaimed": None,
    "recorded_loss": "46500.00", "paid": "0.00", "reserve": "46500.00", "incurred": "46500.00",
    "recovered": "0.00", "net_incurred": "46500.00", "currency": "CNY",
    "recorded_loss_minor": 4650000, "paid_minor": 0, "reserve_minor": 4650000,
    "incurred_minor": 4650000, "recovered_minor": 0, "net_incurred_minor": 4650000,
}  # fmt: skip
_AMOUNTS = {"recorded_loss": "46500.00", "recorded_loss_minor": 4650000, "paid": "0.00",
            "paid_minor": 0, "reserve": "46500.00", "reserve_minor": 4650000,
            "incurred": "46500.00", "incurred_minor": 4650000, "recovered": "0.00",
            "recovered_minor": 0, "net_incurred": "46500.00",
            "net_incurred_minor": 4650000}  # fmt: skip
_TOTAL = {"rows": 1, "claims": 1, "unclaimed": 0, **_AMOUNTS}


def ok(
    model: Any,
    value: Any,
    description: str = "Request fulfilled",
    media_type: str = "application/json",
) -> dict[int, ResponseSpec]:
    example = Example(summary=description, value=value)
    spec = ResponseSpec(
        model,
        description=description,
        examples=[example],
        media_type=media_type,
        generate_examples=False,
    )
    return {200: spec}


INCIDENTS = {"items": [_STATUS], "next_cursor": "WyIyMDI2LTExLTIyVDAyOjEwOjAwKzAwOjAwIiwiSU5DIl0"}
INCIDENT = {"incident": _STATUS, "deadlines": {"total": 1, "by_state": {"met": 1},
            "next_due": None, "missed": []}}  # fmt: skip
TIMELINE = {"incident_id": _STATUS["incident_id"], "as_of": None, "order": "recorded",
            "status": _STATUS, "deadlines": [_DEADLINE], "entries": [_ENTRY]}  # fmt: skip
BOARD = {"items": [_DEADLINE], "next_cursor": None}
LOSS_RUN = {
    "header": {"insured": "澎湖湾物业 Penghu Bay Property", "carrier": "all", "policy": "all",
               "valuation_date": "2026-11-22"},
    "rows": [_ROW],
    "totals": {"CNY": _TOTAL},
    "totals_by_carrier_policy": [{"currency": "CNY", "carrier": "平安财险 Ping An",
                                  "policy_number": "POL-9", **_TOTAL}],
}  # fmt: skip
REPORT = {"incident_id": _STATUS["incident_id"], "policy": None, "stage": None,
          "site": {"name": "澎湖湾 Penghu Bay", "location_code": "PHB-T2"},
          "fields": [{"name": "contact", "value": None, "supplied": False}],
          "language": None, "zone": "Asia/Shanghai",
          "ledger": {"incident_id": _STATUS["incident_id"], "position": 1840, "hash": "9f2c…",
                     "checkpoint": {"size": 1842, "root": "5dc9…4328",
                                    "signed_at": "2026-11-22T04:00:00Z"},
                     "verify": "curl …/bundle && ledger-verify … --key …"}}  # fmt: skip
ACCESS = {"items": [{"id": 12, "at": "2026-11-22T03:00:00Z", "token_id": "3f1c…",
                     "token_name": "claims desk", "role": "clerk", "action": "loss_run",
                     "resource": "losses", "params": {"format": "csv"}, "status": 200}],
          "next_before": None}  # fmt: skip
REJECTIONS = {"items": [{"seq": 41, "source": "cad", "received_at": "2026-11-22T03:00:00Z",
                         "code": "invalid_field", "message": "Expected `int`, got `str`",
                         "path": "$.payload.severity",
                         "event_id": "0193a0c4-4e7b-7d2a-9f51-2b8c6d1e0a11",
                         "subject": "incidents.events.cad.INC-1",
                         "raw": "eyJzZXZlcml0eSI6IjEifQ=="}],
              "next_cursor": "WyI0MSJd"}  # fmt: skip
