"""What the OpenAPI document says of ``POST /v1/events``: its request body, one event or
an array of them, each the envelope's JSON Schema (``contracts/schema/envelope.json``, the
publishers' contract), so that client generators and API fuzzers see the append contract.

The handler reads the raw bytes (each event is judged by the sequencer, not by Litestar),
so the body is described here rather than derived from a parameter. The envelope's
definitions travel inside the body's schema, and its references point there."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema

from contracts.schema import SCHEMA_DIR

# Where the body's schema sits in the OpenAPI document (JSON pointer, RFC 6901).
HOME = "#/paths/~1v1~1events/post/requestBody/content/application~1json/schema"
DESCRIPTION = (
    "The body is one event envelope or a JSON array of 1 to 1,000 of them. Each event is"
    " judged on its own: its outcome (recorded, duplicate, or rejected with a code and the"
    " path of the field) is in `results`, in order. An event whose `source` the token may"
    " not publish as is rejected with `source_mismatch` (403 when it is the only one)."
)


@dataclass
class JsonSchema(Schema):
    """A schema given as JSON Schema text, emitted as it is."""

    document: dict[str, Any] = field(default_factory=dict)

    def to_schema(self) -> dict[str, Any]:
        return self.document


def _moved(node: Any) -> Any:
    """``node`` with every ``#/$defs/`` reference pointing under ``HOME``."""
    if isinstance(node, dict):
        return {k: _moved(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_moved(v) for v in node]
    if isinstance(node, str) and node.startswith("#/$defs/"):
        return HOME + node[1:]
    return node


@cache
def body_schema() -> dict[str, Any]:
    envelope = json.loads((SCHEMA_DIR / "envelope.json").read_text(encoding="utf-8"))
    event = {k: v for k, v in envelope.items() if k not in ("$defs", "$schema", "title")}
    defs = envelope["$defs"] | {"Event": event | {"title": "Event"}}
    one = {"$ref": f"{HOME}/$defs/Event"}
    many = {"type": "array", "items": one, "minItems": 1, "maxItems": 1000}
    moved: dict[str, Any] = _moved({"$defs": defs, "anyOf": [one, many]})
    return moved


@dataclass
class AppendOperation(Operation):
    """The operation with its request body, and 403 also answered with the events'
    outcomes (a single event with another source than the token's)."""

    def __post_init__(self) -> None:
        body = OpenAPIMediaType(schema=JsonSchema(document=body_schema()))
        self.request_body = RequestBody(required=True, content={"application/json": body})
        responses = self.responses or {}
        outcomes = getattr(responses.get("207"), "content", None) or {}
        refused = responses.get("403")
        content = getattr(refused, "content", None)
        if content is not None and "application/json" in outcomes:
            content["application/json"] = outcomes["application/json"]
            refused.description = (  # type: ignore[union-attr]
                "The token's role may not publish (a problem), or the one event's source is"
                " not one the token may publish as (its outcome: source_mismatch)"
            )
