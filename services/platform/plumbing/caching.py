"""Caches bounded by what their values weigh (``cachetools.LRUCache`` with ``getsizeof``):
the projector's folded incidents and the API's timelines, where one incident may weigh
thousands of entries."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TypeVar

from cachetools import LRUCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def keep(cache: LRUCache[K, V], key: K, value: V) -> None:
    """``value`` kept under ``key``, the least recently used making room; one that alone
    outweighs the whole cache is not kept, and takes its key's older value with it."""
    try:
        cache[key] = value
    except ValueError:  # "value too large"
        cache.pop(key, None)
