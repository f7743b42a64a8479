"""Keyset pagination cursors and SQL filters built with numbered parameters."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any, TypeVar

import msgspec
from litestar.exceptions import ClientException
from litestar.params import PathParameter

MAX_LIMIT = 500
IncidentPath = Annotated[
    str, PathParameter(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Incident id")
]


class BadParameter(ClientException):
    """400, naming the query parameter."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"query parameter {name!r}: {problem}", extra={"parameter": name})


def encode_cursor(*key: Any) -> str:
    raw = msgspec.json.encode([str(k) for k in key])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int) -> list[str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = msgspec.json.decode(raw, type=list[str])
    except (binascii.Error, ValueError, msgspec.DecodeError):
        key = []
    if len(key) != parts:
        raise BadParameter("cursor", "not a cursor this endpoint handed out")
    return key


T = TypeVar("T")


def page(rows: list[T], limit: int) -> tuple[list[T], T | None]:
    """The first ``limit`` of ``limit + 1`` rows fetched, and the last of them when more
    follow (the cursor's key)."""
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1]
    return rows, None


def instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise BadParameter("cursor", "not a cursor this endpoint handed out") from None


class Where:
    """``WHERE`` clauses and their arguments, numbered as they are added."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.args: list[Any] = []

    def arg(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    def add(self, clause: str, *values: Any) -> None:
        """``clause`` with ``{}`` for each value in order (or ``{0}`` … to use one twice)."""
        self.clauses.append(clause.format(*(self.arg(v) for v in values)))

    def sql(self) -> str:
        return (" WHERE " + " AND ".join(self.clauses)) if self.clauses else ""
