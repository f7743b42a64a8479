"""The Litestar application. Pools and connections are made by the composition root
(``incident_ledger.runtime``) and handed in; the app opens nothing of its own."""

from __future__ import annotations

import re
import uuid
from http import HTTPStatus
from typing import Any

import asyncpg
import structlog
from ledger_verify import note
from litestar import Litestar, Request, Response, Router, get
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from nats.aio.client import Client
from prometheus_client import generate_latest

from contracts.topology import Topology
from ledger.store.sealing import MasterKey
from ledger_api import access, auth, consistency, erasure_listener, replica, schema_page
from ledger_api.app_state import AppState
from ledger_api.console import mount as console
from ledger_api.console.rendering import template_config
from ledger_api.paging import BadParameter
from ledger_api.problems import PROMETHEUS_TEXT
from ledger_api.routes import (
    audit,
    bundles,
    deadlines,
    health,
    incidents,
    proofs,
    rejections,
    reports,
    subjects,
    tiles,
    timeline,
    tokens,
)
from ledger_api.routes import events as appends
from ledger_api.routes import loss_records as losses
from ledger_api.routes import triangle as loss_triangle
from plumbing.paths import shipped_packs_dir
from projector.domain import deadlines as engine
from projector.domain.models import Config

PUBLIC = {"/health", "/ready", "/metrics", "/schema"}
# The database gone or going (a replica mid-failover included), or a replica cancelling a
# read that conflicts with replay: retrying shortly may succeed. Slow queries are not here.
_CONNECTION_LOST = (
    ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.SerializationError,
)


@get("/metrics", media_type=PROMETHEUS_TEXT, include_in_schema=False, sync_to_thread=False)
def metrics() -> bytes:
    return generate_latest()


def request_context(app: ASGIApp) -> ASGIApp:
    """Every log line written while handling a request carries its request_id."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=str(uuid.uuid4()))
        await app(scope, receive, send)

    return middleware


def _problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """RFC 9457 problem details, naming the parameter at fault; never a stack trace."""
    body: dict[str, Any] = {"type": "about:blank"}
    if isinstance(exc, HTTPException):
        status, detail, headers = exc.status_code, exc.detail, exc.headers or {}
        body |= _invalid(exc.extra, _aliases(request)) or _missing(exc.detail)
    elif isinstance(exc, asyncpg.UndefinedTableError):  # no read models yet
        status, headers = 503, {"Retry-After": "5"}
        detail = "the read models are being built for the first time; retry shortly"
    elif isinstance(exc, _CONNECTION_LOST):  # e.g. the replica went away mid-read
        structlog.get_logger(__name__).warning("database unreachable", error=repr(exc))
        status, headers = 503, {"Retry-After": "1"}
        detail = "the database is not reachable right now; retry shortly"
    elif isinstance(exc, asyncpg.DataError | OverflowError):  # a value out of range
        status, detail, headers = 400, f"a parameter is out of range: {exc}", {}
    else:
        structlog.get_logger(__name__).exception("request failed", path=request.url.path)
        status, detail, headers = 500, "internal error", {}
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else detail
    body |= {"title": title, "status": status, "detail": body.pop("detail", detail)}
    return Response(
        body, status_code=status, headers=headers, media_type="application/problem+json"
    )


async def before_request(request: Request[Any, Any, Any]) -> None:
    """Text with NUL characters can never be stored or matched: refuse it by name; then
    wait for ``min_position`` if asked. (A coroutine: Litestar would hand a plain function
    to a worker thread on every request.)"""
    for name, value in request.query_params.multi_items():
        if "\x00" in value or "\x00" in name:
            raise BadParameter(name, "contains a NUL character")
    await consistency.before(request)


def _aliases(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The names callers write for the handler's parameters that Python spells otherwise
    (``state`` for ``deadline_state``, ``from`` for ``loss_from``): Litestar's validation
    errors name the Python one."""
    handler = request.scope.get("route_handler")
    fields = getattr(getattr(handler, "parsed_fn_signature", None), "parameters", {})
    names = {key: getattr(f.kwarg_definition, "name", None) for key, f in fields.items()}
    return {key: name for key, name in names.items() if name}


_MISSING = re.compile(r"Missing required \w+ parameter '([^']+)'")


def _missing(detail: str) -> dict[str, Any]:
    """Litestar names a missing parameter in its message alone: name it as a field too."""
    found = _MISSING.match(detail)
    return {"parameter": found[1]} if found else {}


def _invalid(extra: Any, aliases: dict[str, str]) -> dict[str, Any]:
    """Litestar's validation errors (``[{"key", "message", "source"}]``) as a detail that
    names each parameter as the caller wrote it, and the list itself as ``errors``."""
    if isinstance(extra, dict) and "parameter" in extra:
        return {"parameter": extra["parameter"]}
    if isinstance(extra, dict) and "code" in extra:  # a refusal naming its code and where
        return {"code": extra["code"], "path": extra.get("path", "$")}
    if not isinstance(extra, list) or not extra:
        return {}
    errors = [
        e | {"key": aliases.get(str(e.get("key")), e.get("key"))}
        for e in extra
        if isinstance(e, dict)
    ]
    named = [
        f"{getattr(e.get('source'), 'value', 'query')} parameter {e['key']!r}: {e.get('message')}"
        for e in errors
    ]
    parameter = {"parameter": errors[0]["key"]} if len(errors) == 1 else {}
    return {"detail": "; ".join(named), "errors": errors} | parameter if named else {}


def _shipped_packs() -> Config:
    return Config(engine.load_packs(shipped_packs_dir()))


def _consistent_reads() -> Router:
    """The reads that answer with X-Ledger-Position and honour ``min_position``."""
    handlers = [
        incidents.list_incidents,
        incidents.incident,
        timeline.timeline,
        deadlines.incident_deadlines,
        deadlines.board,
        losses.loss_run,
        loss_triangle.loss_triangle,
        reports.report,
        reports.claim_pack,
        bundles.bundle,
        audit.latest,
        audit.at_size,
        proofs.inclusion,
        proofs.consistency,
        tiles.checkpoint,
        tiles.tile,
    ]
    return Router("/", route_handlers=handlers, parameters=consistency.CONSISTENT)


def create_app(
    pool: asyncpg.Pool,
    nats: Client | None,
    head_revision: str | None,
    topology: Topology | None = None,
    *,
    projector: Config | None = None,
    insured: str = "",
    claim_key: note.Signer | None = None,
    master_key: MasterKey | None = None,
    read_pool: asyncpg.Pool | None = None,
    read_url: str | None = None,
    csrf_secret: str = "",
    listen_url: str | None = None,
) -> Litestar:
    """``projector``: the policy packs ``as_of`` judgements use (default: every shipped
    pack); ``insured``: the organisation loss runs name; ``claim_key``: the key that signs
    bundles' completeness claims (none: no bundles); ``master_key``: opens sealed personal
    values for auditors (none: they see the tokens); ``read_pool``: a replica's, for the
    reads that write nothing (default: ``pool``); with ``read_url``, the replica is
    watched over a connection of its own, and reads move to ``pool`` while it does not
    answer; ``csrf_secret``: what signs the console forms' CSRF tokens (default: random);
    ``listen_url``: the primary's, for a connection that hears of erasures, so that opened
    values may be kept between requests (``ledger_api.opened_cache``; none: never kept)."""
    exclude = [f"^{p}" for p in (*PUBLIC, *console.PUBLIC)]
    return Litestar(
        route_handlers=[
            health.health,
            health.ready,
            _consistent_reads(),
            access.access_log,
            rejections.rejections,
            tokens.list_tokens,
            tokens.create_token,
            tokens.revoke_token,
            subjects.subject,
            subjects.erase,
            subjects.export,
            appends.append_events,
            metrics,
            console.console(),
            schema_page.assets(),
        ],
        state=AppState.start(
            pool,
            nats,
            head_revision,
            topology or Topology(),
            projector or _shipped_packs(),
            insured=insured,
            claim_key=claim_key,
            master_key=master_key,
            read_pool=read_pool,
            read_url=read_url,
            listen_url=listen_url,
        ),
        middleware=[request_context, DefineMiddleware(auth.BearerAuth, exclude=exclude)],
        exception_handlers={Exception: _problem},
        template_config=template_config(),
        csrf_config=console.csrf_config(csrf_secret, (*PUBLIC, "/v1/")),
        before_request=before_request,
        before_send=[consistency.add_header],
        lifespan=[replica.watching, erasure_listener.listening],
        openapi_config=schema_page.openapi_config(),
        debug=False,
        logging_config=None,  # plumbing.logs owns the configuration
    )


__all__ = ["create_app"]
