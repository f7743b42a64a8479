"""structlog set-up: JSON lines off a TTY, readable console output on one.

Context (incident_id, event_id, request_id) is bound with contextvars by the edges that
handle a message or request, so every line written meanwhile carries it; third-party
loggers (asyncpg, nats, uvicorn) go through the same chain.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import msgspec
import structlog

from ledger.settings import LogSettings


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
        else structlog.dev.ConsoleRenderer()
    )
    tail: list[Any] = [structlog.processors.dict_tracebacks] if as_json else []
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
                *tail,
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
