"""A rule's ``when`` conditions against an incident's folded state and the Context: whether
they hold, and what each one that does not hold says (for explanations)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from projector.domain.deadlines.context import Context
from projector.domain.deadlines.match import level_reached
from projector.domain.deadlines.model import When
from projector.domain.deadlines.state import IncidentState


def _loss(state: IncidentState, currency: str | None) -> int:
    return sum(amount for cur, amount in state.losses.values() if cur == currency)


Check = Callable[[IncidentState, Context], bool]
Said = Callable[[IncidentState, Context], str]
_compiled: dict[int, tuple[When, tuple[tuple[Check, Said], ...]]] = {}


def _listed(values: Iterable[str]) -> str:
    return "[" + ", ".join(values) + "]"


def _context_holds(w: When, c: Context) -> bool:
    return all(set(c.value(k)) & set(v) for k, v in w.context.items())


def _context_said(w: When, c: Context) -> str:
    wrong = [k for k, v in w.context.items() if not set(c.value(k)) & set(v)]
    return "; ".join(f"{k} {_listed(c.value(k))} not in {_listed(w.context[k])}" for k in wrong)


def _compile(w: When) -> tuple[tuple[Check, Said], ...]:
    """Only the conditions ``w`` sets, cheapest first, each with what it says when it
    does not hold."""
    found: list[tuple[bool, Check, Said]] = [
        (
            bool(w.kind),
            lambda s, c: s.kind in w.kind,
            lambda s, c: f"kind {s.kind} not in {_listed(w.kind)}",
        ),
        (
            bool(w.kind_not),
            lambda s, c: s.kind not in w.kind_not,
            lambda s, c: f"kind {s.kind} in the excluded {_listed(w.kind_not)}",
        ),
        (
            bool(w.regime),
            lambda s, c: bool(s.regimes.intersection(w.regime)),
            lambda s, c: (
                f"classified regimes {_listed(sorted(s.regimes))} not in {_listed(w.regime)}"
            ),
        ),
        (bool(w.context), lambda s, c: _context_holds(w, c), lambda s, c: _context_said(w, c)),
        (
            bool(w.severity_at_least),
            lambda s, c: (s.severity or "sev9") <= str(w.severity_at_least),
            lambda s, c: f"severity {s.severity} below {w.severity_at_least}",
        ),
        (
            bool(w.casualty),
            lambda s, c: any(s.casualties.get(x, 0) > 0 for x in w.casualty),
            lambda s, c: f"no casualty of {_listed(w.casualty)}",
        ),
        (
            w.fatality,
            lambda s, c: s.casualties.get("fatal", 0) > 0,
            lambda s, c: "no fatality",
        ),
        (
            w.loss_at_least is not None,
            lambda s, c: _loss(s, w.loss_currency) >= (w.loss_at_least or 0),
            lambda s, c: (
                f"losses {_loss(s, w.loss_currency)} {w.loss_currency} below {w.loss_at_least}"
            ),
        ),
        (
            bool(w.level_at_least),
            lambda s, c: level_reached(s, str(w.level_at_least)) is not None,
            lambda s, c: f"level {w.level_at_least} not reached",
        ),
    ]
    return tuple((check, said) for used, check, said in found if used)


def _conditions(when: When) -> tuple[tuple[Check, Said], ...]:
    entry = _compiled.get(id(when))
    if entry is None or entry[0] is not when:  # the id of a pack since reloaded
        if len(_compiled) > 10_000:
            _compiled.clear()
        entry = _compiled[id(when)] = (when, _compile(when))
    return entry[1]


def holds(when: When, state: IncidentState, context: Context) -> bool:
    """Whether every condition of ``when`` holds for the incident and the deployment."""
    return all(check(state, context) for check, _ in _conditions(when))


def failing(when: When, state: IncidentState, context: Context) -> list[str]:
    """What each condition of ``when`` that does not hold says (empty: it holds)."""
    return [said(state, context) for check, said in _conditions(when) if not check(state, context)]
