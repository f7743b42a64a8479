"""structlog set-up: JSON lines off a TTY, readable console output on one.

Context (incident_id, event_id, request_id) is bound with contextvars by the edges that
handle a message or request, so every line written meanwhile carries it; third-party
loggers (asyncpg, nats, uvicorn) go through the same chain.

No line carries a secret: tracebacks are rendered without their frames' local variables
(structlog's default shows them, and a handler's locals hold the caller's bearer token and
the signer's key), and :func:`plumbing.log_redaction.redact_secrets` masks tokens, passwords
and key material in what remains, ours and third-party lines alike.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import msgspec
import structlog

from plumbing.log_redaction import redact_secrets
from plumbing.settings import LogSettings

# Tracebacks as data, without frame locals.
_EXCEPTIONS_AS_DICT = structlog.processors.ExceptionRenderer(
    structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
)


def _json(obj: Any, **_: Any) -> str:
    return msgspec.json.encode(obj, enc_hook=repr).decode()


def configure(settings: LogSettings) -> None:
    level = logging.getLevelNamesMapping().get(settings.level.upper(), logging.INFO)
    as_json = settings.format == "json" or (settings.format == "auto" and not sys.stderr.isatty())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_json)
        if as_json
        # format_exc_info below leaves the console renderer only text: no rich locals
        else structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
    )
    exceptions = _EXCEPTIONS_AS_DICT if as_json else structlog.processors.format_exc_info
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                exceptions,
                redact_secrets,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access", "nats", "asyncio"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def get(name: str) -> Any:
    return structlog.get_logger(name)
