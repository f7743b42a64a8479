"""Personal data: found from the types, blanked for whoever may not see it. Pure.

A field is personal when its type carries :data:`contracts.types.PERSONAL` (every field of
:class:`~contracts.events.Personal`, ``Actor.name``, a notification's ``recipient_name``,
the read models' ``claimant``). :func:`redact` is the one place that blanks them, in
typed values (structs and dataclasses, whatever they nest, payloads found by their runtime
type) and in their JSON form (dicts and lists, given the type they encode, or
:data:`EVENT` for an envelope, whose payload type its ``type`` names). A blanked field
takes its default: ``None`` or ``""``, so every reader still decodes it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

import msgspec
import msgspec.inspect as mi

from contracts.envelope import Envelope
from contracts.registry import DEFAULT_REGISTRY

T = TypeVar("T")
EVENT: Final = "event envelope"
"""The shape of an envelope as JSON: header and the payload its ``type`` names."""

_SCALARS = (
    mi.StrType, mi.IntType, mi.FloatType, mi.BoolType, mi.NoneType, mi.DateTimeType,
    mi.DateType, mi.TimeType, mi.UUIDType, mi.EnumType, mi.LiteralType, mi.BytesType,
    mi.DecimalType, mi.TimeDeltaType,
)  # fmt: skip


def _personal(t: mi.Type) -> bool:
    return isinstance(t, mi.Metadata) and (
        bool((t.extra or {}).get("personal")) or _personal(t.type)
    )


def _bare(t: mi.Type) -> mi.Type:
    return _bare(t.type) if isinstance(t, mi.Metadata) else t


def _scalar(t: mi.Type) -> bool:
    """Nothing in it to walk: a scalar, or a list, tuple or set of them (a loss run row's
    ``loss_ids``), personal items aside."""
    t = _bare(t)
    if isinstance(t, mi.UnionType):
        return all(_scalar(m) for m in t.types)
    if isinstance(t, mi.ListType | mi.VarTupleType | mi.SetType | mi.FrozenSetType):
        return not _personal(t.item_type) and _scalar(t.item_type)
    return isinstance(t, _SCALARS)


def _blank(field: mi.Field) -> Any:
    if field.default is not msgspec.NODEFAULT:
        return field.default
    if field.default_factory is not msgspec.NODEFAULT:
        return field.default_factory()
    return "" if isinstance(_bare(field.type), mi.StrType) else None


def _fields(t: mi.Type) -> tuple[mi.Field, ...]:
    return t.fields if isinstance(t, mi.StructType | mi.DataclassType) else ()


@functools.cache
def _layout(cls: type) -> tuple[dict[str, Any], tuple[str, ...], bool]:
    """A class's personal fields (attribute → blank), the fields that may nest more, and
    whether it is a correction (its ``corrected`` walked as free-form values instead)."""
    fields = _fields(mi.type_info(cls))
    blanks = {f.name: _blank(f) for f in fields if _personal(f.type)}
    correction = str(getattr(cls, "TYPE", "")).startswith(CORRECTION)
    deeper = tuple(
        f.name
        for f in fields
        if f.name not in blanks
        and not _scalar(f.type)
        and not (correction and f.name == "corrected")
    )
    return blanks, deeper, correction


def personal_fields(cls: type) -> frozenset[str]:
    """The attribute names of ``cls``'s own personal fields."""
    return frozenset(_layout(cls)[0])


How = Callable[[Any, Any], Any]
"""What becomes of a personal field: ``how(blank, value)`` is its new value."""


def blanked(blank: Any, value: Any) -> Any:
    """How a field is blanked (:func:`redact`)."""
    return blank


def _record(value: Any, how: How) -> Any:
    """A struct's or dataclass's personal fields passed through ``how``, its other fields
    walked."""
    cls: type = type(value)
    blanks, deeper, correction = _layout(cls)
    changes: dict[str, Any] = {}
    for name, blank in blanks.items():  # a field left as it is makes no copy of the value
        if (new := how(blank, old := getattr(value, name))) is not old:
            changes[name] = new
    if correction:
        changes["corrected"] = corrected(value.corrected, how)
    for name in deeper:
        old = getattr(value, name)
        if (new := _typed(old, how)) is not old:
            changes[name] = new
    if not changes:
        return value
    if isinstance(value, msgspec.Struct):
        return msgspec.structs.replace(value, **changes)
    return dataclasses.replace(value, **changes)


def _typed(value: Any, how: How) -> Any:
    if isinstance(value, msgspec.Struct) or (
        dataclasses.is_dataclass(value) and not isinstance(value, type)
    ):
        return _record(value, how)
    if isinstance(value, dict):
        return {k: _typed(v, how) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*(_typed(v, how) for v in value))
    if isinstance(value, list | tuple | frozenset | set):
        return type(value)(_typed(v, how) for v in value)
    return value


Node = Callable[[Any, How], Any]


def _struct_node(t: mi.StructType | mi.DataclassType) -> Node | None:
    blanks = {f.encode_name: _blank(f) for f in t.fields if _personal(f.type)}
    nested = {
        f.encode_name: n for f in t.fields if f.encode_name not in blanks and (n := _node(f.type))
    }
    tag = (t.tag_field, t.tag) if isinstance(t, mi.StructType) and t.tag_field else None
    if not blanks and not nested:
        return None

    def apply(data: Any, how: How) -> Any:
        if not isinstance(data, dict) or (tag and data.get(tag[0], tag[1]) != tag[1]):
            return data
        return (
            data
            | {k: how(b, data[k]) for k, b in blanks.items() if k in data}
            | {k: n(data[k], how) for k, n in nested.items() if k in data}
        )

    return apply


def _node(t: mi.Type) -> Node | None:
    t = _bare(t)
    if isinstance(t, mi.StructType | mi.DataclassType):
        return _struct_node(t)
    if isinstance(t, mi.UnionType):
        nodes = [n for m in t.types if (n := _node(m))]
        return functools.reduce(_then, nodes) if nodes else None
    if isinstance(t, mi.ListType | mi.VarTupleType | mi.SetType | mi.FrozenSetType):
        return _each(_node(t.item_type))
    if isinstance(t, mi.DictType):
        return _each_value(_node(t.value_type))
    return None


def _then(f: Node, g: Node) -> Node:
    return lambda d, how: g(f(d, how), how)


def _each(item: Node | None) -> Node | None:
    if item is None:
        return None
    return lambda data, how: [item(x, how) for x in data] if isinstance(data, list) else data


def _each_value(value: Node | None) -> Node | None:
    if value is None:
        return None
    return lambda data, how: (
        {k: value(v, how) for k, v in data.items()} if isinstance(data, dict) else data
    )


@functools.cache
def _compiled(shape: Any) -> Node | None:
    return _node(mi.type_info(shape))


def _event(data: Any, how: How) -> Any:
    if not isinstance(data, dict):
        return data
    header = _compiled(Envelope)
    data = header(data, how) if header else data
    payload_type = DEFAULT_REGISTRY.payload_type(str(data.get("type")))
    payload = _compiled(payload_type) if payload_type else None
    if payload and "payload" in data:
        data = data | {"payload": payload(data["payload"], how)}
    if str(data.get("type")).startswith(CORRECTION) and isinstance(data.get("payload"), dict):
        fixed = data["payload"].get("corrected")
        data = data | {"payload": data["payload"] | {"corrected": corrected(fixed, how)}}
    return data


CORRECTION: Final = "event.corrected."
"""A correction's type: its ``corrected`` holds new values of the corrected event's fields."""


@functools.cache
def personal_payload_fields() -> frozenset[str]:
    """The payload fields personal (or holding personal fields) in some event type: those
    of a correction's ``corrected`` whose values are personal, whatever the type corrected."""
    return frozenset(
        path[1]
        for tag in DEFAULT_REGISTRY.types
        for path in personal_paths(tag)
        if path[0] == "payload" and path[1] != "*"
    )


def corrected(values: Any, how: How) -> Any:
    """A correction's ``corrected`` with every string under a personal field passed through
    ``how`` (whatever its shape: a correction is free-form)."""
    if not isinstance(values, dict):
        return values
    fields = personal_payload_fields()
    return {k: _each_string(v, how) if k in fields else v for k, v in values.items()}


def _each_string(node: Any, how: How) -> Any:
    if isinstance(node, str):
        return how("", node)
    if isinstance(node, dict):
        return {k: _each_string(v, how) for k, v in node.items()}
    if isinstance(node, list):
        return [_each_string(v, how) for v in node]
    return node


def transform(value: T, how: How, shape: Any = None) -> T:
    """``value`` with each personal field ``v`` replaced by ``how(blank, v)``; ``shape`` as
    for :func:`redact`."""
    if shape is None:
        return cast(T, _typed(value, how))
    node = _event if shape == EVENT else _compiled(shape)
    return value if node is None else cast(T, node(value, how))


def redact(value: T, shape: Any = None) -> T:
    """``value`` with every personal field blanked. Without ``shape``, ``value`` is typed
    (structs, dataclasses and containers of them); with it, ``value`` is the JSON form of
    ``shape`` (a type, or :data:`EVENT`). Nothing personal: ``value`` itself."""
    return transform(value, blanked, shape)


Path = tuple[str, ...]
"""Where a personal string sits in an event's JSON form (``"*"``: every item of a list)."""


def _paths(t: mi.Type, seen: frozenset[type] = frozenset()) -> list[Path]:
    t = _bare(t)
    if isinstance(t, mi.UnionType):
        return [p for m in t.types for p in _paths(m, seen)]
    if isinstance(t, mi.ListType | mi.VarTupleType | mi.SetType | mi.FrozenSetType):
        return [("*", *p) for p in _paths(t.item_type, seen)]
    if not isinstance(t, mi.StructType | mi.DataclassType) or t.cls in seen:
        return []
    found: list[Path] = []
    for f in t.fields:
        if _personal(f.type):
            found.append((f.encode_name,))
        else:
            found.extend((f.encode_name, *p) for p in _paths(f.type, seen | {t.cls}))
    return found


@functools.cache
def personal_paths(event_type: str) -> tuple[Path, ...]:
    """Every personal field of an event of ``event_type`` in its JSON form: the envelope's
    (``actor.name``) and its payload's (under ``payload``). Unknown type: the envelope's."""
    own = tuple(_paths(mi.type_info(Envelope)))
    payload_type = DEFAULT_REGISTRY.payload_type(event_type)
    if payload_type is None:
        return own
    return own + tuple(("payload", *p) for p in _paths(mi.type_info(payload_type)))


def personal_values(event: dict[str, Any]) -> list[tuple[Path, str]]:
    """Every non-empty personal string of an event's JSON form, with its path (list items
    by their index)."""
    found: list[tuple[Path, str]] = []
    for path in personal_paths(str(event.get("type"))):
        if "*" in path:
            _collect(event, path, (), found)
        elif value := _at(event, path):
            found.append((path, value))
    return found


def _at(node: Any, path: Path) -> str | None:
    """The string at ``path`` (none of it ``"*"``) in ``node``, if there is one: walked
    without recursion, since every event is asked."""
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, str) else None


def _collect(node: Any, rest: Path, done: Path, found: list[tuple[Path, str]]) -> None:
    if not rest:
        if isinstance(node, str) and node:
            found.append((done, node))
        return
    key, tail = rest[0], rest[1:]
    if key == "*":
        if isinstance(node, list):
            for index, item in enumerate(node):
                _collect(item, tail, (*done, str(index)), found)
    elif isinstance(node, dict) and key in node:
        _collect(node[key], tail, (*done, key), found)


def replaced(event: dict[str, Any], changes: list[tuple[Path, str]]) -> dict[str, Any]:
    """A copy of an event's JSON form with the string at each path (as
    :func:`personal_values` names them) replaced; ``event`` itself is left as it is."""
    out = event
    for path, value in changes:
        out = _put(out, path, value)
    return out


def replace_in(event: dict[str, Any], changes: list[tuple[Path, str]]) -> None:
    """As :func:`replaced`, in ``event`` itself (one decoded for this alone: no copy)."""
    for path, value in changes:
        node: Any = event
        for key in path[:-1]:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(path[-1])] = value
        else:
            node[path[-1]] = value


def _put(node: Any, path: Path, value: str) -> Any:
    if not path:
        return value
    key, tail = path[0], path[1:]
    if isinstance(node, list):
        index = int(key)
        return [*node[:index], _put(node[index], tail, value), *node[index + 1 :]]
    return node | {key: _put(node[key], tail, value)}
