"""What of the ledger's data a reader may see: everything for an auditor; for anyone else
(clerks), the same with every personal field blanked by :func:`contracts.personal.redact`.
Every read that may carry personal data passes its answer through :func:`disclosed`."""

from __future__ import annotations

from typing import Any, TypeVar

from contracts.personal import redact
from ledger_api.auth import Principal, sees_personal_data

T = TypeVar("T")


def disclosed(reader: Principal, value: T, shape: Any = None) -> T:
    """``value`` as ``reader`` may see it (``shape``: as for :func:`redact`)."""
    return value if sees_personal_data(reader) else redact(value, shape)
