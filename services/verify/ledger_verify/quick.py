"""The checker a verifier runs: the quick path on msgspec when it is installed
(``quick_msgspec``), else the plain standard-library ``Checker``, which finds the same."""

from __future__ import annotations

import importlib.util

from ledger_verify.records import Checker

HAVE_MSGSPEC = importlib.util.find_spec("msgspec") is not None


def checker(origin: str | None = None, *, stretch: bool = False, quick: bool = True) -> Checker:
    """A record checker; ``quick=False`` (or no msgspec) gives the plain one."""
    if quick and HAVE_MSGSPEC:
        from ledger_verify.quick_msgspec import QuickChecker

        return QuickChecker(origin, stretch=stretch)
    return Checker(origin=origin, stretch=stretch)
