"""The console's sections, as its navigation and home page list them: (path, title, the
roles that may open it). A new page adds its line here; its title is translated in the
catalogues (``locale/``)."""

from __future__ import annotations

from ledger_api.auth import READERS

SECTIONS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("/console/incidents", "Incidents", frozenset(READERS)),
    ("/console/deadlines", "Deadline board", frozenset(READERS)),
    ("/console/losses", "Losses", frozenset(READERS)),
    ("/console/audit", "Audit", frozenset({*READERS, "admin"})),
    ("/console/admin", "Admin", frozenset({"admin"})),
)


def nav(role: str) -> list[tuple[str, str]]:
    """The sections ``role`` may open, in order."""
    return [(path, title) for path, title, allowed in SECTIONS if role in allowed]
