"""Loading policy packs from TOML, with errors that name the file, the rule and the field.

The only I/O of the deadline engine is here: reading ``*.toml`` files.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import msgspec

from projector.domain.deadlines.model import Pack, Rule
from projector.domain.deadlines.pins import written
from projector.domain.deadlines.units import dec_hook
from projector.domain.deadlines.validate import problems

_LISTS = frozenset(
    {"start", "satisfied_by", "cancel_by", "until", "event", "actor_role", "field", "kind"}
    | {"kind_not", "casualty", "regime", "adjust_exempt", "at", "limits"}
    | {"extra_holidays", "working_weekends"}
)
_OPAQUE = frozenset({"match", "contains"})
_UNKNOWN = re.compile(r"(?:unknown|missing required) field `([^`]+)`")


class PackError(ValueError):
    """A pack that cannot be used; the message names the file, the rule and the field."""


def _listify(value: Any, key: str = "") -> Any:
    """A single value where a list is expected becomes a one-item list; a fallback named
    by its event type alone becomes a matcher of that type."""
    if key == "fallback" and isinstance(value, str):
        value = {"event": value}
    if isinstance(value, dict):
        if key == "context":
            return {k: v if isinstance(v, list) else [v] for k, v in value.items()}
        if key in _OPAQUE:
            return value
        value = {k: _listify(v, k) for k, v in value.items()}
    elif isinstance(value, list):
        value = [_listify(v) for v in value]
    return [value] if key in _LISTS and not isinstance(value, list) else value


def _where(exc: msgspec.ValidationError) -> tuple[str, str]:
    """(field path without ``$.``, message) of a msgspec validation error."""
    text = str(exc)
    message, _, path = text.partition(" - at `")
    path = path.rstrip("`").removeprefix("$").lstrip(".")
    named = _UNKNOWN.search(message)
    if named:
        path = f"{path}.{named[1]}" if path else named[1]
    return path or "?", message


def _fail(file: str, rule: str | None, field: str, message: str) -> PackError:
    where = f'rule "{rule}"' if rule is not None else "pack"
    return PackError(f'{file}: {where}: field "{field}": {message}')


def _rule(file: str, index: int, raw: Any) -> Rule:
    name = raw.get("id") if isinstance(raw, dict) else None
    label = name if isinstance(name, str) else f"#{index + 1}"
    try:
        return msgspec.convert(_listify(raw), Rule, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        raise _fail(file, label, *_where(exc)) from None


def parse_pack(text: str, file: str) -> Pack:
    """A pack from TOML text; ``file`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"{file}: not valid TOML: {exc}") from None
    raw_rules = data.pop("rule", None)
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail(file, None, "rule", "expected one or more [[rule]] tables")
    try:
        header = msgspec.convert({**_listify(data), "rule": []}, Pack, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        raise _fail(file, None, *_where(exc)) from None
    rules = tuple(_rule(file, i, raw) for i, raw in enumerate(raw_rules))
    data_written = {**_listify(data), "rule": [_listify(raw) for raw in raw_rules]}
    pack = msgspec.structs.replace(header, rules=rules, file=file, digest=written(data_written))
    for rule_id, field, message in problems(pack):
        raise _fail(file, rule_id, field, message)
    return pack


def load_pack(path: Path) -> Pack:
    return parse_pack(Path(path).read_text(encoding="utf-8"), Path(path).name)


def load_packs(directory: Path) -> list[Pack]:
    """Every ``*.toml`` pack in ``directory``, by file name; pack ids must be unique."""
    packs = [load_pack(path) for path in sorted(Path(directory).glob("*.toml"))]
    seen: dict[str, str] = {}
    for pack in packs:
        if pack.id in seen:
            raise _fail(pack.file, None, "id", f"pack {pack.id!r} is also {seen[pack.id]}")
        seen[pack.id] = pack.file
    return packs
