"""Which packs apply under a Context: the one home of that rule.

A pack names exactly one ``subject`` (a regime) or ``plan``. Under a Context built from a
profile (``restricted``), it applies when the profile's ``subject_to`` or ``plans`` names
it. A Context built by hand applies every pack, except a regime the log's classification
cannot name (``sec``, ``osha``, ``hipaa``): that one only when ``subject_to`` names it.
"""

from __future__ import annotations

from contracts.events.profile import Plan, Subjection
from contracts.levels import Regime
from projector.domain.deadlines.context import Context
from projector.domain.deadlines.model import Pack

SUBJECTS = frozenset(str(s) for s in Subjection)
PLANS = frozenset(str(p) for p in Plan)
DECLARED_ONLY = SUBJECTS - {str(r) for r in Regime}
"""Regimes no incident's classification names: only a stated subjection brings them."""


def _subject(subject: str, context: Context) -> tuple[bool, str]:
    if subject in context.subject_to:
        return True, f"subject to {subject}"
    if not context.restricted and subject not in DECLARED_ONLY:
        return True, "no profile: every pack applies"
    return False, f"not subject to {subject}"


def _plan(plan: str, context: Context) -> tuple[bool, str]:
    if plan in context.plans:
        return True, f"plan {plan} adopted"
    if not context.restricted:
        return True, "no profile: every pack applies"
    return False, f"plan {plan} not adopted"


def pack_applies(pack: Pack, context: Context) -> tuple[bool, str]:
    """Whether ``pack`` applies under ``context``, and why (or why not)."""
    if pack.subject is not None:
        return _subject(pack.subject, context)
    if pack.plan is not None:
        return _plan(pack.plan, context)
    if context.restricted:
        return False, "the pack names no subject or plan"
    return True, "no profile: every pack applies"
