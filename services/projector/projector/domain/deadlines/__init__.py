"""The deadline engine: versioned policy packs (TOML) applied to an incident's facts.

Public API:

- :func:`load_packs`, :func:`load_pack`, :func:`parse_pack` and :class:`PackError`;
- :class:`Context`, the deployment's own facts (entity type, time zone, holidays, …);
- :func:`evaluate` (facts → obligations), or the fold it is made of: :func:`evolve`
  over :class:`IncidentState`, then :func:`obligations` at an instant;
- :class:`Obligation` and its states :data:`STATES`;
- :func:`considered`: every rule and why it applied or not; :func:`pack_applies`.
"""

from __future__ import annotations

from projector.domain.deadlines.applicability import pack_applies
from projector.domain.deadlines.considered import Considered, considered
from projector.domain.deadlines.context import Context
from projector.domain.deadlines.engine import evaluate, obligations
from projector.domain.deadlines.loader import PackError, load_pack, load_packs, parse_pack
from projector.domain.deadlines.model import Pack, Rule
from projector.domain.deadlines.obligation import STATES, Obligation, State
from projector.domain.deadlines.state import IncidentState, evolve, fold

__all__ = [
    "STATES",
    "Considered",
    "Context",
    "IncidentState",
    "Obligation",
    "Pack",
    "PackError",
    "Rule",
    "State",
    "considered",
    "evaluate",
    "evolve",
    "fold",
    "load_pack",
    "load_packs",
    "obligations",
    "pack_applies",
    "parse_pack",
]
