"""Type tag → payload struct, and upcasters from old tags to new ones.

A breaking change to a type is a new tag (``x.v2``) plus an upcaster from ``x.v1``.
Decoding validates an event against the struct of the tag it was *sent* with, so the
ledger stores exactly what was published; readers call :meth:`Registry.upcast` to see
the newest version. Stored bytes are never rewritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import MappingProxyType

import msgspec

from contracts.envelope import Envelope
from contracts.events import CATALOGUE, Payload

Upcaster = Callable[[Payload], Payload]


class Registry:
    """An immutable-by-convention set of payload types and upcasters."""

    def __init__(self, types: Iterable[type[Payload]] = CATALOGUE) -> None:
        self._types: dict[str, type[Payload]] = {}
        self._upcasters: dict[str, tuple[str, Upcaster]] = {}
        for cls in types:
            self.add(cls)

    @property
    def types(self) -> MappingProxyType[str, type[Payload]]:
        return MappingProxyType(self._types)

    def add(self, cls: type[Payload]) -> None:
        if not cls.TYPE or cls.TYPE in self._types:
            raise ValueError(f"{cls.__name__}: missing or duplicate type tag {cls.TYPE!r}")
        self._types[cls.TYPE] = cls

    def add_upcaster(self, old: str, new: str, upcaster: Upcaster) -> None:
        """Register ``upcaster`` turning a payload of tag ``old`` into one of tag ``new``."""
        if old not in self._types or new not in self._types:
            raise ValueError(f"both {old!r} and {new!r} must be registered first")
        self._upcasters[old] = (new, upcaster)

    def payload_type(self, tag: str) -> type[Payload] | None:
        return self._types.get(tag)

    def versions_of(self, tag: str) -> list[str]:
        """The registered tags sharing ``tag``'s name, e.g. ``['incident.reported.v1']``."""
        name = tag.rsplit(".v", 1)[0]
        return sorted(t for t in self._types if t.rsplit(".v", 1)[0] == name)

    def upcast(self, envelope: Envelope) -> Envelope:
        """The envelope with its payload upcast to the newest registered version."""
        while envelope.type in self._upcasters:
            new, upcaster = self._upcasters[envelope.type]
            envelope = msgspec.structs.replace(
                envelope, type=new, payload=upcaster(envelope.payload)
            )
        return envelope


DEFAULT_REGISTRY = Registry()
"""The catalogue as shipped. No upcasters yet: every type is still at v1."""


def upcast(envelope: Envelope) -> Envelope:
    return DEFAULT_REGISTRY.upcast(envelope)
