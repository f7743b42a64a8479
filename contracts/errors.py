"""Contract violations: a stable code, a human message and the JSON path of the field."""

from __future__ import annotations


class ContractError(ValueError):
    """An event that breaks the contract. ``code`` is one of the documented rejection codes
    (invalid_json, schema_violation, unknown_type, future_timestamp, oversize, ...)."""

    def __init__(self, code: str, message: str, path: str = "$") -> None:
        super().__init__(f"{code}: {message}" + (f" (at {path})" if path != "$" else ""))
        self.code = code
        self.message = message
        self.path = path
