"""Data subjects (docs/erasure.md), for admins: what is held about one and until when, by
its retention policy (``GET``), and its erasure (``POST …/erasure``): its key destroyed, so
that every value sealed under it reads "erased" for ever while every record, hash and proof
stays as it was, and its messages deleted from NATS. The same as
``ledger erase``. Both are in the access log."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.exceptions import (
    HTTPException,
    NotFoundException,
    PermissionDeniedException,
    ServiceUnavailableException,
)
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, PathParameter

from contracts.canonical import timestamp
from ledger.store import subject_keys
from ledger_api import access, erasures
from ledger_api.app_state import AppState
from ledger_api.auth import Principal, roles
from ledger_api.problems import PROBLEM, Problem, problems

SubjectPath = Annotated[
    str, PathParameter(min_length=1, max_length=300, description="e.g. INC-1:claimant")
]


class ErasureRequest(msgspec.Struct, frozen=True):
    reason: str = ""  # why (the legal ground, the request's reference); required


def _reason(data: ErasureRequest) -> str:
    reason = data.reason.strip()
    if not reason or len(reason) > 1000:
        raise HTTPException(
            status_code=422, detail="reason: required (why the subject is erased), ≤ 1000 chars"
        )
    return reason


_ERASED_ALREADY = {
    409: ResponseSpec(
        Problem,
        description="Erased already: `detail` names when, and the position of its record",
        media_type=PROBLEM,
        generate_examples=False,
    )
}


def _unscoped(who: Principal) -> None:
    if who.scope is not None:
        raise PermissionDeniedException("a token scoped to an organisation erases no one")


@get("/v1/subjects/{subject:str}", opt=roles("admin"), tags=["subjects"],
     summary="What is held about a data subject, and until when",
     responses=problems(400, 401, 403, 404))  # fmt: skip
async def subject(
    request: Request[Principal, Any, Any], state: AppState, subject: SubjectPath
) -> subject_keys.Held:
    _unscoped(request.user)
    async with state.pool.acquire() as conn:
        held = await subject_keys.held(conn, subject)
        await access.record(conn, request, "subject_read", subject, 404 if held is None else 200)
    if held is None:
        raise NotFoundException(f"no data subject {subject!r} is known")
    return held


@post("/v1/subjects/{subject:str}/erasure", opt=roles("admin"), tags=["subjects"],
      summary="Erase a data subject", status_code=201,
      responses=problems(400, 401, 403, 404, 422, 503) | _ERASED_ALREADY)  # fmt: skip
async def erase(
    request: Request[Principal, Any, Any],
    state: AppState,
    subject: SubjectPath,
    data: JSONBody[ErasureRequest],
) -> subject_keys.Erasure:
    _unscoped(request.user)
    reason = _reason(data)
    by = f"token-{request.user.token_id}"  # a token, not a person's name
    async with state.pool.acquire() as conn:
        try:
            done = await erasures.erase(conn, state.nats, state.topology, subject, by, reason)
        except subject_keys.UnknownSubject:
            raise NotFoundException(f"no data subject {subject!r} is known") from None
        except subject_keys.AlreadyErased as exc:
            first = exc.first
            raise HTTPException(
                status_code=409,
                detail=f"{subject!r} was already erased at {timestamp(first.erased_at)}"
                f" (position {first.position})",
            ) from None
        except erasures.NotRecorded as exc:
            raise ServiceUnavailableException(str(exc), headers={"Retry-After": "2"}) from None
        finally:  # this process's next read shows it erased, its notification or not
            state.opened_cache.erased(subject)
        await access.record(conn, request, "subject_erase", subject, 201)
    return done


class Export(msgspec.Struct, frozen=True):
    subject: str
    values: list[subject_keys.Exported]


@get("/v1/subjects/{subject:str}/export", opt=roles("admin"), tags=["subjects"],
     summary="Every personal value held about a data subject (an access request)",
     responses=problems(400, 401, 403, 404))  # fmt: skip
async def export(
    request: Request[Principal, Any, Any], state: AppState, subject: SubjectPath
) -> Export:
    """Each value with where it was recorded, its token and the salt that proves it
    (``ledger subjects check``); none once erased. In the access log."""
    _unscoped(request.user)
    async with state.pool.acquire() as conn:
        held = await subject_keys.held(conn, subject)
        found = (
            []
            if held is None or state.master_key is None
            else (await subject_keys.export(conn, state.master_key, subject))
        )
        await access.record(conn, request, "subject_export", subject, 404 if held is None else 200)
    if held is None:
        raise NotFoundException(f"no data subject {subject!r} is known")
    return Export(subject, found)
