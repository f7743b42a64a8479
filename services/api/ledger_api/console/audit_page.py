"""The audit page: the latest signed checkpoint (tree size, root, when it was signed and
how long ago, the key that signed it), and for auditors the newest incidents, each with
the button that verifies it in the browser against the checkpoint (``static/verify/``)."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from litestar import Request, get
from litestar.response import Template

from ledger_api import scoping
from ledger_api.auth import roles, sees_personal_data
from ledger_api.consistency import reads
from ledger_api.console.rendering import page
from ledger_api.console.zones import moment
from ledger_api.paging import Where
from ledger_api.routes import audit
from ledger_api.routes import incidents as listing

NEWEST = 20
_LATEST = "SELECT size, root, signed_at, note FROM checkpoints ORDER BY id DESC LIMIT 1"
_NEWEST = (
    f"SELECT s.incident_id, s.doc->>'title' AS title, {listing.OCCURRED} AS occurred"
    " FROM incident_status s{} ORDER BY occurred DESC, s.incident_id DESC LIMIT " + str(NEWEST)
)


def signers(note: str) -> list[tuple[str, str]]:
    """(key name, key id in hex) of each signature line of a signed note."""
    _, _, lines = note.rpartition("\n\n")
    found = []
    for line in lines.splitlines():
        parts = line.split(" ")
        if len(parts) != 3:
            continue
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except (binascii.Error, ValueError):
            continue
        found.append((parts[1], blob[:4].hex()))
    return found


def age(signed_at: datetime, now: datetime) -> tuple[int, int, int]:
    """(days, hours, minutes) since ``signed_at``."""
    minutes = max(int((now - signed_at).total_seconds() // 60), 0)
    return minutes // 1440, minutes // 60 % 24, minutes % 60


async def _incidents(request: Request[Any, Any, Any], conn: Any) -> list[dict[str, Any]]:
    where = Where()
    scoping.narrow(where, request.user)
    rows = await conn.fetch(_NEWEST.format(where.sql()), *where.args)
    return [{"id": r["incident_id"], "title": r["title"] or ""} for r in rows]


@get("/console/audit", opt=roles(*audit.ROLES), include_in_schema=False)
async def audit_page(request: Request[Any, Any, Any]) -> Template:
    auditor = sees_personal_data(request.user)
    async with reads(request).acquire() as conn:
        row = await conn.fetchrow(_LATEST)
        incidents = await _incidents(request, conn) if auditor else []
    checkpoint = None
    if row is not None:
        now = datetime.now(UTC)
        checkpoint = {
            "size": row["size"], "root": row["root"].hex(), "note": row["note"],
            "signed": moment(row["signed_at"], UTC), "age": age(row["signed_at"], now),
            "signers": signers(row["note"]),
        }  # fmt: skip
    return page(request, "audit.html", checkpoint=checkpoint, incidents=incidents,
                auditor=auditor)  # fmt: skip
