"""Contract violations: a stable code, a human message and the JSON path of the field."""

from __future__ import annotations

# A message or path quotes what the publisher sent (an enum value, an object key): bounded
# here, so that no rejection (its record, its log line, its HTTP answer) grows with the input.
MAX_MESSAGE_CHARS = 500
MAX_PATH_CHARS = 300


def bounded(text: str, limit: int) -> str:
    """``text``, or its first ``limit`` characters marked as cut."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


class ContractError(ValueError):
    """An event that breaks the contract. ``code`` is one of the documented rejection codes
    (invalid_json, schema_violation, unknown_type, future_timestamp, oversize, ...)."""

    def __init__(self, code: str, message: str, path: str = "$") -> None:
        message, path = bounded(message, MAX_MESSAGE_CHARS), bounded(path, MAX_PATH_CHARS)
        super().__init__(f"{code}: {message}" + (f" (at {path})" if path != "$" else ""))
        self.code = code
        self.message = message
        self.path = path
