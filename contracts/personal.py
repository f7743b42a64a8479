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
Node = Callable[[Any], Any]
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
    t = _bare(t)
    if isinstance(t, mi.UnionType):
        return all(_scalar(m) for m in t.types)
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
def _layout(cls: type) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A class's personal fields (attribute → blank) and the fields that may nest more."""
    fields = _fields(mi.type_info(cls))
    blanks = {f.name: _blank(f) for f in fields if _personal(f.type)}
    return blanks, tuple(f.name for f in fields if f.name not in blanks and not _scalar(f.type))


def personal_fields(cls: type) -> frozenset[str]:
    """The attribute names of ``cls``'s own personal fields."""
    return frozenset(_layout(cls)[0])


def _record(value: Any) -> Any:
    """A struct's or dataclass's personal fields blanked, its other fields walked."""
    cls: type = type(value)
    blanks, deeper = _layout(cls)
    changes = dict(blanks)
    for name in deeper:
        old = getattr(value, name)
        if (new := _typed(old)) is not old:
            changes[name] = new
    if not changes:
        return value
    if isinstance(value, msgspec.Struct):
        return msgspec.structs.replace(value, **changes)
    return dataclasses.replace(value, **changes)


def _typed(value: Any) -> Any:
    if isinstance(value, msgspec.Struct) or (
        dataclasses.is_dataclass(value) and not isinstance(value, type)
    ):
        return _record(value)
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*(_typed(v) for v in value))
    if isinstance(value, list | tuple | frozenset | set):
        return type(value)(_typed(v) for v in value)
    return value


def _struct_node(t: mi.StructType | mi.DataclassType) -> Node | None:
    blanks = {f.encode_name: _blank(f) for f in t.fields if _personal(f.type)}
    nested = {
        f.encode_name: n for f in t.fields if f.encode_name not in blanks and (n := _node(f.type))
    }
    tag = (t.tag_field, t.tag) if isinstance(t, mi.StructType) and t.tag_field else None
    if not blanks and not nested:
        return None

    def apply(data: Any) -> Any:
        if not isinstance(data, dict) or (tag and data.get(tag[0], tag[1]) != tag[1]):
            return data
        return (
            data
            | {k: b for k, b in blanks.items() if k in data}
            | {k: n(data[k]) for k, n in nested.items() if k in data}
        )

    return apply


def _node(t: mi.Type) -> Node | None:
    t = _bare(t)
    if isinstance(t, mi.StructType | mi.DataclassType):
        return _struct_node(t)
    if isinstance(t, mi.UnionType):
        nodes = [n for m in t.types if (n := _node(m))]
        return functools.reduce(lambda f, g: lambda d: g(f(d)), nodes) if nodes else None
    if isinstance(t, mi.ListType | mi.VarTupleType | mi.SetType | mi.FrozenSetType):
        return _each(_node(t.item_type))
    if isinstance(t, mi.DictType):
        return _each_value(_node(t.value_type))
    return None


def _each(item: Node | None) -> Node | None:
    if item is None:
        return None
    return lambda data: [item(x) for x in data] if isinstance(data, list) else data


def _each_value(value: Node | None) -> Node | None:
    if value is None:
        return None
    return lambda data: {k: value(v) for k, v in data.items()} if isinstance(data, dict) else data


@functools.cache
def _compiled(shape: Any) -> Node | None:
    return _node(mi.type_info(shape))


def _event(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    header = _compiled(Envelope)
    data = header(data) if header else data
    payload_type = DEFAULT_REGISTRY.payload_type(str(data.get("type")))
    payload = _compiled(payload_type) if payload_type else None
    return data | {"payload": payload(data["payload"])} if payload and "payload" in data else data


def redact(value: T, shape: Any = None) -> T:
    """``value`` with every personal field blanked. Without ``shape``, ``value`` is typed
    (structs, dataclasses and containers of them); with it, ``value`` is the JSON form of
    ``shape`` (a type, or :data:`EVENT`). Nothing personal: ``value`` itself."""
    if shape is None:
        return cast(T, _typed(value))
    node = _event if shape == EVENT else _compiled(shape)
    return value if node is None else cast(T, node(value))
