"""The deadline engine: an incident's facts and the packs in, its obligations out. Pure.

``evaluate(packs, facts, now=..., context=...)`` is ``obligations(fold(facts), ...)``:
the fold (:func:`projector.domain.deadlines.state.evolve`) is shared by incremental projection
and ``as_of`` queries, and :func:`obligations` judges the folded state at ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec

from contracts.events import (
    DeadlinePaused,
    DeadlineResumed,
    DeadlineWaived,
    IncidentCancelled,
    NoteAdded,
)
from projector.domain.deadlines.applicability import pack_applies
from projector.domain.deadlines.clock import Clock
from projector.domain.deadlines.conditions import holds
from projector.domain.deadlines.context import Context
from projector.domain.deadlines.instances import View, instances, lead_of
from projector.domain.deadlines.match import Facts, Hit, any_hits
from projector.domain.deadlines.model import Pack
from projector.domain.deadlines.obligation import (
    Evidence,
    Instance,
    Obligation,
    judge,
    pause_step,
)
from projector.domain.deadlines.state import IncidentState, fold
from projector.domain.facts import Fact

_CANCELLED = (IncidentCancelled.TYPE,)
_DECISIONS = (DeadlineWaived.TYPE, DeadlinePaused.TYPE, DeadlineResumed.TYPE)
_NOTES = (NoteAdded.TYPE,)


def clock_for(pack: Pack, context: Context) -> Clock:
    cal = pack.calendar
    subdivision = cal.subdivision if cal.country else context.subdivision
    return Clock(
        cal.timezone or context.timezone,
        cal.country or context.country,
        subdivision,
        frozenset(cal.extra_holidays),
        frozenset(cal.working_weekends),
    )


def normalise_ref(ref: str) -> str:
    """``pack.rule`` (the catalogue's examples) is read as ``pack/rule``."""
    head, sep, tail = ref.partition("#")
    return (head if "/" in head else head.replace(".", "/", 1)) + sep + tail


def _hit(fact: Fact) -> Hit:
    return Hit(fact.position, fact.envelope.occurred_at, fact)


def _cancel(view: View, inst: Instance) -> tuple[Hit | None, str | None]:
    start = inst.anchor.at if inst.anchor else None
    for hit in any_hits(view.facts, view.rule.cancel_by, ("occurred_at",)):
        if (start is None or hit.at >= start) and hit.at < inst.due:
            return hit, f"void: {hit.fact.type} at {hit.at.isoformat()} came before the due time"
    for fact in view.facts.of(_CANCELLED):
        if isinstance(fact.envelope.payload, IncidentCancelled):
            return _hit(fact), f"incident cancelled (false alarm): {fact.envelope.payload.reason}"
    return None, None


def _decisions(view: View, inst: Instance) -> Evidence:
    refs = {inst.ref, view.rule_ref}
    waiver, open_pause, paused = None, None, timedelta(0)
    for fact in view.facts.of(_DECISIONS):
        payload = fact.envelope.payload
        if not isinstance(payload, DeadlineWaived | DeadlinePaused | DeadlineResumed):
            continue
        if normalise_ref(payload.deadline_ref) not in refs:
            continue
        if isinstance(payload, DeadlineWaived) and waiver is None:
            waiver = (_hit(fact), payload.reason)
        elif isinstance(payload, DeadlinePaused) and open_pause is None:
            open_pause = (_hit(fact), payload.reason)
        elif isinstance(payload, DeadlineResumed) and open_pause is not None:
            paused += fact.envelope.occurred_at - open_pause[0].at
            open_pause = None
    return Evidence(waiver=waiver, open_pause=open_pause, paused_for=paused)


def _late_reason(view: View, inst: Instance) -> str | None:
    prefixes = (f"{inst.ref}:", f"{view.rule_ref}:")
    notes = [
        f.envelope.payload.text
        for f in view.facts.of(_NOTES)
        if isinstance(f.envelope.payload, NoteAdded)
    ]
    reasons = [n.split(":", 1)[1].strip() for n in notes if n.startswith(prefixes)]
    if reasons:
        return reasons[-1]
    return "late, and no reason for the delay was recorded" if view.rule.late_needs_reason else None


def _satisfier(inst: Instance, found: list[Hit], claimed: set[int]) -> Hit | None:
    opening = inst.opening
    usable = (
        h for h in found if (opening is None or h.at >= opening) and h.position not in claimed
    )
    return next(usable, None)


def _obligation(view: View, inst: Instance, evidence: Evidence) -> Obligation:
    rule, pack = view.rule, view.pack
    lead = lead_of(rule.lead or pack.default_lead)
    state, due, reason = judge(inst, evidence, view.now, lead)
    hit = evidence.satisfier if state in ("met", "met_late") else None
    return Obligation(
        incident_id=view.state.incident_id,
        pack_id=pack.id,
        pack_version=pack.version,
        rule=rule.id,
        stage=rule.stage,
        title=rule.title,
        ref=inst.ref,
        anchor_position=inst.anchor.position if inst.anchor else None,
        anchor_at=inst.anchor.at if inst.anchor else None,
        due_at=due,
        satisfied_position=hit.position if hit else None,
        satisfied_at=hit.at if hit else None,
        state=state,
        reason=reason,
        lead_time=lead,
        fallback_start=inst.fallback,
        **_explanation(view, inst, evidence, due),
    )


def _explanation(view: View, inst: Instance, evidence: Evidence, due: datetime) -> dict[str, Any]:
    """The start event's type, the raw due time, each step to ``due`` and ``due`` locally."""
    pause = pause_step(inst, evidence, due)
    return {
        "anchor_type": inst.anchor.fact.envelope.type if inst.anchor else None,
        "raw_due_at": inst.raw or inst.due,
        "adjustments": (*inst.adjustments, pause) if pause else inst.adjustments,
        "zone": view.clock.zone.key,
        "due_local": due.astimezone(view.clock.zone).isoformat(),
    }


def _rule_obligations(view: View) -> list[Obligation]:
    found, claimed, result = view.satisfiers(), set[int](), []
    for inst in instances(view):
        satisfier = _satisfier(inst, found, claimed)
        if satisfier is not None and view.rule.repeat is not None:
            claimed.add(satisfier.position)
        cancel, why = _cancel(view, inst)
        evidence = msgspec.structs.replace(
            _decisions(view, inst),
            satisfier=satisfier,
            cancel=cancel,
            cancel_reason=why,
            late_reason=_late_reason(view, inst) if satisfier else None,
        )
        result.append(_obligation(view, inst, evidence))
    return result


def judged_under(pack: Pack, context: Context, latest: Context | None) -> Context:
    """The context ``pack`` is judged with: ``latest`` for a ``basis = "latest"`` pack."""
    return latest if pack.basis == "latest" and latest is not None else context


def obligations(
    state: IncidentState,
    packs: Iterable[Pack],
    *,
    now: datetime,
    context: Context,
    latest: Context | None = None,
) -> list[Obligation]:
    """Every obligation of the folded incident under the ``packs`` that apply, judged at
    ``now``. ``context`` is the profile at the incident's report, ``latest`` the one in
    force when read (for ``basis = "latest"`` packs; None: ``context``)."""
    result: list[Obligation] = []
    facts = Facts(state.facts)
    for pack in packs:
        judged = judged_under(pack, context, latest)
        if pack_applies(pack, judged)[0]:
            result.extend(_pack_obligations(state, facts, pack, judged, now))
    return result


def _pack_obligations(
    state: IncidentState, facts: Facts, pack: Pack, context: Context, now: datetime
) -> list[Obligation]:
    result: list[Obligation] = []
    clock = clock_for(pack, context)
    for rule in pack.rules:
        if holds(rule.when, state, context):
            view = View(
                state=state,
                facts=facts,
                pack=pack,
                rule=rule,
                clock=clock,
                context=context,
                now=now,
            )
            result.extend(_rule_obligations(view))
    return result


def evaluate(
    packs: Iterable[Pack],
    facts: Sequence[Fact],
    *,
    now: datetime,
    context: Context,
    latest: Context | None = None,
) -> list[Obligation]:
    """One incident's obligations: ``facts`` in position order, recorded by ``now``."""
    return obligations(fold(facts), packs, now=now, context=context, latest=latest)
