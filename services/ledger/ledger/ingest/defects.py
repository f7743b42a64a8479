"""A defect met by one message: its rejection (``internal_error``, naming the exception's
class), counted and logged without the message's bytes or any frame's locals, so that it
costs that message only, never the batch around it or the lead."""

from __future__ import annotations

import traceback

import structlog

from contracts.outcomes import Rejected
from ledger import ledger_metrics as metrics

INTERNAL_ERROR = "internal_error"
_FAILED = "the ledger failed on this message ({}); it was not recorded"


def internal_error(exc: BaseException, subject: str | None = None) -> Rejected:
    """The rejection of a message whose handling raised ``exc`` unexpectedly; counted, and
    logged by class and frames only (its text, like its locals, may quote the message)."""
    name = type(exc).__name__
    metrics.INTERNAL_ERRORS.labels(name).inc()
    # A logger asked for at each defect (rare): it follows the logging set up now.
    structlog.get_logger(__name__).error(
        "a message could not be handled", error=name, subject=subject, frames=frames(exc)
    )
    return Rejected(None, INTERNAL_ERROR, _FAILED.format(name), "$")


def frames(exc: BaseException) -> list[str]:
    """Where ``exc`` was raised: the innermost frames' functions and places, nothing more."""
    innermost = traceback.extract_tb(exc.__traceback__)[-6:]
    return [f"{f.name} {f.filename}:{f.lineno}" for f in innermost]


def failure_of(outcome: Rejected) -> str | None:
    """The exception class an ``internal_error`` names (None for any other rejection): a
    decoding worker's count is its own, so the ingest counts what comes back."""
    if outcome.code != INTERNAL_ERROR:
        return None
    return outcome.message.partition("(")[2].partition(")")[0] or None
