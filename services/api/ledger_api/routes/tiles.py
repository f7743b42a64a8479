"""The log read-only in the C2SP ``tlog-tiles`` layout, under ``/v1/audit/tiles``: the
latest signed checkpoint, hash tiles and entry bundles, for ``ledger-verify`` (and any
tlog-tiles client) to verify the whole log or follow it from a pin.

Hash tiles hold hashes only and are read by every audit role; entry bundles hold every
incident's records (personal values sealed, as stored), so only unscoped auditors read
them, and every read of one, refused or not, is in the access log (``entries``).
Full tiles never change (cached as immutable); a partial one is the prefix of the tile it
grows into, cached briefly; the checkpoint not at all.
"""

from __future__ import annotations

import gzip
from typing import Annotated, Any

from ledger_verify import tile_paths
from ledger_verify.tile_paths import TileRef
from ledger_verify.tiles import WIDTH
from litestar import Request, Response, get
from litestar.exceptions import (
    ClientException,
    InternalServerException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.params import PathParameter

from ledger.audit import served_tiles
from ledger.audit.tile_proofs import latest_checkpoint
from ledger_api import access_rows, app_state, examples
from ledger_api.auth import Principal, roles
from ledger_api.consistency import reads
from ledger_api.problems import problems

ROLES = ("auditor", "clerk", "admin")
PREFIX = "/v1/audit/tiles"
IMMUTABLE = "private, max-age=31536000, immutable"
PARTIAL = "private, max-age=60"
GZIP_LEVEL = 1  # the cheapest: most of the gain, little of the CPU
_BYTES = "application/octet-stream"
TilePath = Annotated[str, PathParameter(description="<L>/<N>[.p/<W>] or entries/<N>[.p/<W>]")]
_NOTE = "incident-ledger\n1842\nXcnaeacGWamt…\ntime 2026-11-22T04:00:00Z\n\n\u2014 …\n"


@get(f"{PREFIX}/checkpoint", opt=roles(*ROLES), tags=["audit"],
     summary="The latest signed checkpoint, as a C2SP signed note (tlog-tiles)",
     responses=problems(400, 401, 403, 404, 503)
     | examples.ok(str, _NOTE, "The signed note", "text/plain; charset=utf-8"))  # fmt: skip
async def checkpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
    async with reads(request).acquire() as conn:
        _, note = await latest_checkpoint(conn)
    if not note:
        raise NotFoundException("no checkpoint has been signed yet")
    return Response(
        note.encode(), media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )  # fmt: skip


@get(f"{PREFIX}/tile/{{tile:path}}", opt=roles(*ROLES), tags=["audit"],
     summary="A hash tile (tile/<L>/<N>[.p/<W>]) or an entry bundle (tile/entries/<N>[.p/<W>])",
     responses=problems(400, 401, 403, 404, 503)
     | examples.ok(bytes, "…", "The tile's hashes, or the bundle's records", _BYTES))  # fmt: skip
async def tile(request: Request[Principal, Any, Any], tile: TilePath) -> Response[bytes]:
    try:
        ref = tile_paths.parse("tile/" + tile.lstrip("/"))
    except tile_paths.TilePathError as error:
        detail = f"path parameter 'tile': {error}"
        raise ClientException(detail, extra={"parameter": "tile"}) from None
    if ref.level is None:
        await _may_read_entries(request, ref)
    data = await _read(request, ref)
    headers = {"Cache-Control": IMMUTABLE if ref.width == WIDTH else PARTIAL}
    if ref.level is None:  # records compress well; hashes do not
        headers["Vary"] = "Accept-Encoding"
        if "gzip" in (request.headers.get("accept-encoding") or ""):
            data, headers["Content-Encoding"] = gzip.compress(data, GZIP_LEVEL), "gzip"
    return Response(data, media_type=_BYTES, headers=headers)


async def _read(request: Request[Principal, Any, Any], ref: TileRef) -> bytes:
    """The tile's bytes: 404 beyond the signed tree; 500 naming a record too long for an
    entry bundle (that bundle cannot be served; an export holds the record). An entry
    bundle's read is access-logged with its status."""
    try:
        async with reads(request).acquire() as conn:
            data = await served_tiles.read(conn, ref)
    except served_tiles.OversizeRecord as error:
        await _logged(request, ref, 500)
        raise InternalServerException(f"{ref.path}: {error}") from None
    if ref.level is None:
        await _logged(request, ref, 200 if data is not None else 404)
    if data is None:
        raise NotFoundException(f"{ref.path} is beyond the latest signed checkpoint's tree")
    return data


async def _may_read_entries(request: Request[Principal, Any, Any], ref: TileRef) -> None:
    """Entry bundles are for unscoped auditors; a refusal is in the access log too."""
    who = request.user
    if who.role != "auditor":
        why = f"role {who.role!r} may not read entry bundles (records); it needs auditor"
    elif who.scope is not None:
        why = (
            "entry bundles hold every incident's records; a scoped token reads its"
            " incidents' bundles (/v1/incidents/{id}/bundle) instead"
        )
    else:
        return
    await _logged(request, ref, 403)
    raise PermissionDeniedException(why)


async def _logged(request: Request[Principal, Any, Any], ref: TileRef, status: int) -> None:
    """An entry bundle's read in the access log (action ``entries``, its path)."""
    row = access_rows.row(request.user, request, "entries", ref.path)
    await app_state.of(request).access_writer.record(row, status)
