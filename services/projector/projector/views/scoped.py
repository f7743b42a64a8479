"""Reads narrowed to an organisation (or one of its sites) for a scoped reader, on tables
that carry no place of their own: the incident's place is its status row's."""

from __future__ import annotations

IN_SCOPE = (
    "({o}::text IS NULL OR incident_id IN (SELECT incident_id FROM incident_status"
    " WHERE organisation_id = {o} AND ({s}::text IS NULL OR site_id = {s})))"
)
"""A predicate on ``incident_id``: the incident is placed in organisation ``{o}`` (and
site ``{s}``, unless NULL); with ``{o}`` NULL (an unscoped reader), every incident."""
