"""What the OpenAPI document says of errors (RFC 9457 problem details) and of endpoints that
answer in more than one format."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example, OpenAPIMediaType, OpenAPIType, Operation, Schema
from prometheus_client import CONTENT_TYPE_LATEST

PROBLEM = "application/problem+json"
# Litestar appends "; charset=utf-8" to every text/* media type itself: naming it here too
# gave "text/csv; charset=utf-8; charset=utf-8".
TEXT_CSV = "text/csv"
TEXT_HTML = "text/html"
APPLICATION_PDF = "application/pdf"


def attachment(name: str) -> dict[str, str]:
    """The header that has a download saved as ``name`` (a name built from checked parts:
    an incident id, a date, a format)."""
    return {"Content-Disposition": f'attachment; filename="{name}"'}


PROMETHEUS_TEXT = CONTENT_TYPE_LATEST.split("; charset=")[0]  # prometheus names it too
_WHY = {
    400: "A query or path parameter is invalid; `detail` names it",
    401: "No bearer token, or an unknown or revoked one",
    403: "The token's role may not do this",
    404: "No such incident",
    409: "Not covered by a signed checkpoint yet; retry after Retry-After",
    413: "The body is too large",
    422: "The body is not valid",
    503: "Not available yet (read models being built, ledger busy); retry after Retry-After",
}


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    parameter: str | None = None
    errors: list[dict[str, Any]] | None = None


def problems(*codes: int) -> dict[int, ResponseSpec]:
    return {
        code: ResponseSpec(
            Problem,
            description=_WHY[code],
            media_type=PROBLEM,
            generate_examples=False,
            examples=[Example(summary=_WHY[code], value={"type": "about:blank", "status": code})],
        )
        for code in codes
    }


READ = problems(400, 401, 403, 503)
ONE = problems(400, 401, 403, 404, 503)


def alternatives(*media_types: str) -> type[Operation]:
    """An operation whose 200 response may also come as ``media_types`` (``?format=``)."""

    @dataclass
    class WithAlternatives(Operation):
        def __post_init__(self) -> None:
            ok = (self.responses or {}).get("200")
            content = getattr(ok, "content", None)
            if content is not None:
                for media in media_types:
                    content.setdefault(
                        media, OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
                    )

    return WithAlternatives
