"""The plan's targets beside an incident's milestones: an obligation is a milestone's
target when its rule is met by the event that reaches the milestone (staff on site
within 10 minutes: the first ``responder.arrived``). Pure: obligations and packs in."""

from __future__ import annotations

from typing import Any

from projector.domain.deadlines.model import Pack

MILESTONES = (
    ("Reported", "reported_at", "incident.reported.v1"),
    ("Superior notified", "first_superior_notified_at", "notification.sent.v1"),
    ("On site", "first_arrival_at", "responder.arrived.v1"),
    ("Restored", "restored_at", "service.restored.v1"),
    ("Resolved", "resolved_at", "incident.resolved.v1"),
    ("Closed", "closed_at", "incident.closed.v1"),
)
"""(label, the status field holding when it was reached, the event type that reaches it)."""


def _met_by(packs: list[Pack]) -> dict[tuple[str, str], frozenset[str]]:
    return {
        (pack.id, rule.id): frozenset(t for m in rule.satisfied_by for t in m.event)
        for pack in packs
        for rule in pack.rules
    }


def targets(
    obligations: list[dict[str, Any]], packs: list[Pack]
) -> dict[str, list[dict[str, Any]]]:
    """Each milestone's field (``first_arrival_at``…) and the obligations that target it."""
    met_by = _met_by(packs)
    found: dict[str, list[dict[str, Any]]] = {field: [] for _, field, _ in MILESTONES}
    for obligation in obligations:
        types = met_by.get((obligation.get("pack_id", ""), obligation.get("rule", "")), frozenset())
        for _, field, event in MILESTONES:
            if event in types:
                found[field].append(obligation)
    return found
