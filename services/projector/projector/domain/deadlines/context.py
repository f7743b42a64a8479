"""Per-deployment facts the packs need and the event log does not carry."""

from __future__ import annotations

import msgspec


class Context(msgspec.Struct, frozen=True, kw_only=True):
    """What the deployment knows about itself. Packs read these in ``when.context``
    conditions, calendars and parameters; every field has a safe default.

    Fields:
        entity_type: the regulated entity's type, e.g. ``credit_institution``,
            ``payment_institution``, ``ccp``, ``trading_venue``, ``nis2_essential``,
            ``nis2_important`` (DORA CDR 2025/301 Art. 5(5) exempts some from the
            weekend/holiday noon rule) or ``other``.
        timezone: IANA zone for wall-clock rules (days, months, business days, fixed
            times, the noon rule) of packs that do not pin their own.
        country: ISO 3166 code of the holiday calendar (the ``holidays`` package) for
            packs that do not pin their own: a member state for DORA, ``CN`` for China.
        subdivision: optional subdivision of ``country`` (e.g. ``BY`` for Bavaria).
        site_class: ``urban`` or ``other``; the elevator-rescue arrival limit is 30 min
            in the urban core and 1 h elsewhere.
        operator_class: CN cyber-incident reporting class: ``cii`` (critical information
            infrastructure, 1 h), ``state_organ`` (central and state organs, 2 h) or
            ``other`` (4 h).
        subject_to: regimes the organisation is subject to (``dora``, ``sec``, …): the
            packs whose ``subject`` it names apply.
        plans: emergency plans the organisation or site has adopted (``property``, …):
            the packs whose ``plan`` it names apply.
        restricted: built from a profile (``projector.domain.profiles``): only the packs
            ``subject_to`` and ``plans`` name apply. A Context built by hand leaves it
            ``False``: every pack applies, except that a regime the log's classification
            cannot name (``sec``, ``osha``, ``hipaa``) still needs ``subject_to``
            (``projector.domain.deadlines.applicability``).
        noon_rule_disapplied: the competent authority disapplied DORA's noon rule
            (CDR 2025/301 Art. 5(6)).
        params: per-pack parameter overrides, keyed ``<pack>.<param>`` or
            ``<pack>.<param>:<policy_ref>`` for a single insurance policy; values are
            durations such as ``"48h"``. E.g. ``{"insurer.notice": "72h",
            "insurer.notice:PA-2026-7781": "24h"}``.
    """

    entity_type: str = "other"
    timezone: str = "UTC"
    country: str = "CN"
    subdivision: str | None = None
    site_class: str = "urban"
    operator_class: str = "other"
    subject_to: tuple[str, ...] = ()
    plans: tuple[str, ...] = ()
    restricted: bool = False
    noon_rule_disapplied: bool = False
    params: dict[str, str] = {}

    def value(self, name: str) -> tuple[str, ...]:
        """A field as a set of strings, for ``when.context`` conditions."""
        raw = getattr(self, name)
        return tuple(raw) if isinstance(raw, tuple) else (str(raw),)


CONTEXT_FIELDS = frozenset(
    {"entity_type", "timezone", "country", "subdivision", "site_class", "operator_class"}
    | {"subject_to", "plans"}
)
"""The Context fields a ``when.context`` condition may name."""
