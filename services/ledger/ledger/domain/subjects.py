"""The data subjects' naming as the ledger's sealing uses it: :mod:`contracts.subjects`,
its one home (a subject's id is what the API and ``ledger erase`` take)."""

from contracts.subjects import (
    ROLES,
    Target,
    corrected_values,
    corrects_personal,
    holds_values_of,
    subject_of,
)

__all__ = [
    "ROLES",
    "Target",
    "corrected_values",
    "corrects_personal",
    "holds_values_of",
    "subject_of",
]
