"""The API's caches: the values used least recently go first, and the cache is bounded by
what its values weigh (entries, not incidents: one incident may hold thousands)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Weighed(Generic[K, V]):
    def __init__(self, limit: int, weight: Callable[[V], int]) -> None:
        self.limit, self._weight = limit, weight
        self._kept = OrderedDict[K, tuple[V, int]]()
        self.weight = 0  # of all values kept

    def get(self, key: K) -> V | None:
        found = self._kept.get(key)
        if found is None:
            return None
        self._kept.move_to_end(key)
        return found[0]

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` (unless it alone outweighs the limit), then let the least
        recently used go until the rest fit."""
        self.drop(key)
        weight = self._weight(value)
        if weight > self.limit:
            return
        self._kept[key], self.weight = (value, weight), self.weight + weight
        while self.weight > self.limit:
            _, (_, gone) = self._kept.popitem(last=False)
            self.weight -= gone

    def drop(self, key: K) -> None:
        found = self._kept.pop(key, None)
        if found is not None:
            self.weight -= found[1]

    def __len__(self) -> int:
        return len(self._kept)
