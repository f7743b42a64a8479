"""``GET /v1/incidents/{id}/bundle``: one incident's records with an inclusion proof each,
the checkpoint they lead to, and a signed claim that nothing of the incident is left out:
a zip for ``ledger-verify`` to check offline, or (``format=json``) the same as one JSON
document for the console's verifier to check in the browser."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from ledger_verify import note
from litestar import Request, Response, get
from litestar.exceptions import HTTPException, NotFoundException, ServiceUnavailableException
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, Schema
from litestar.params import FromQuery, QueryParameter

from ledger.audit import bundle_json
from ledger.audit import bundle_reads as bundles
from ledger.audit import export_files as audit_files
from ledger_api import access, examples, scoping
from ledger_api.app_state import AppState
from ledger_api.auth import Principal, roles
from ledger_api.paging import IncidentPath
from ledger_api.problems import attachment, problems

Since = Annotated[
    int | None,
    QueryParameter(ge=1, le=2**62, description="add a consistency proof from this tree size"),
]


def _field(kind: OpenAPIType, description: str) -> Schema:
    return Schema(type=kind, description=description)


JSON_BUNDLE = Schema(
    type=OpenAPIType.OBJECT,
    description="format=json: the zip's members as one document",
    required=["manifest", "key_name", "key_id", "checkpoint", "completeness", "records"],
    properties={
        "manifest": _field(OpenAPIType.OBJECT, "format, origin, incident_id, size, events"),
        "key_name": _field(OpenAPIType.STRING, "the name of the key the claim is signed with"),
        "key_id": _field(OpenAPIType.STRING, "its key id, 8 hex digits"),
        "checkpoint": _field(OpenAPIType.STRING, "the signed checkpoint note"),
        "completeness": _field(OpenAPIType.STRING, "the signed completeness claim note"),
        "records": Schema(type=OpenAPIType.ARRAY, items=_field(
            OpenAPIType.OBJECT, "position, record (base64 of its bytes), proof (hex), columns"
        )),
        "consistency": Schema(one_of=[_field(OpenAPIType.OBJECT, "from, to, proof (hex)"),
                                      Schema(type=OpenAPIType.NULL)]),
    },
)  # fmt: skip


@dataclass
class _OrJson(Operation):
    """The 200 response may also be the bundle as JSON (``format=json``)."""

    def __post_init__(self) -> None:
        content = getattr((self.responses or {}).get("200"), "content", None)
        if content is not None:
            content.setdefault("application/json", OpenAPIMediaType(schema=JSON_BUNDLE))


def _conflict(detail: str) -> HTTPException:
    return HTTPException(status_code=409, detail=detail, headers={"Retry-After": "1"})


async def _gather(
    state: AppState, who: Principal, incident_id: str, since: int | None
) -> bundles.Gathered:
    unknown = f"incident {incident_id!r} has no recorded events"
    async with state.pool.acquire() as conn:
        await scoping.admit(conn, who, incident_id, unknown)
        try:
            gathered = await bundles.gather(conn, incident_id, since)
        except bundles.NotSignedYet as exc:
            raise _conflict(f"{exc}; retry in a moment") from None
        if not gathered.rows:
            if await conn.fetchval("SELECT 1 FROM events WHERE incident_id = $1", incident_id):
                raise _conflict(f"incident {incident_id!r} is not covered by a checkpoint yet")
            raise NotFoundException(unknown)
    if since is not None and since > gathered.checkpoint.size:
        raise _conflict(
            f"since: the latest checkpoint covers {gathered.checkpoint.size} records, fewer"
            f" than {since}"
        )
    return gathered


@get("/v1/incidents/{incident_id:str}/bundle", opt=roles("auditor"), tags=["audit"],
     summary="An incident's records with inclusion proofs and a signed completeness claim",
     media_type="application/zip", operation_class=_OrJson,
     responses=problems(400, 401, 403, 404, 409, 503)
     | examples.ok(bytes, "PK…", "A zip for ledger-verify (format=json: one JSON document)",
                   "application/zip"))  # fmt: skip
async def bundle(
    request: Request[Principal, Any, Any], state: AppState, incident_id: IncidentPath,
    since: Since = None, format: FromQuery[Literal["zip", "json"]] = "zip",
) -> Response[bytes]:  # fmt: skip
    key: note.Signer | None = state.claim_key
    if key is None:
        raise ServiceUnavailableException("bundles are signed: set LEDGER_AUDIT_KEY_FILE")
    gathered = await _gather(state, request.user, incident_id, since)
    async with state.pool.acquire() as conn:
        await access.record(conn, request, "bundle", incident_id)
    signed = gathered.checkpoint
    parts: dict[str, Any] = {
        "origin": signed.origin, "incident_id": incident_id, "checkpoint": signed.note,
        "completeness": note.sign(bundles.claim_text(signed, incident_id, gathered.rows), key),
        "records": [bytes(r["record"]) for r in gathered.rows], "proofs": gathered.proofs,
        "columns": [bundles.columns(r) for r in gathered.rows],
        "consistency": gathered.consistency,
    }  # fmt: skip
    if format == "json":
        doc = bundle_json.document(key=key.verifier(), **parts)
        return Response(bundle_json.encoded(doc), media_type="application/json")
    headers = attachment(f"{incident_id}-bundle.zip")
    return Response(audit_files.bundle_zip(**parts), media_type="application/zip", headers=headers)
