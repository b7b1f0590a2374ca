"""A map keyed by raw tx bytes, in insertion order, bounded in entries and in key bytes.

The node keeps several such maps beside consensus state (verified txs, recorded effects, the
mempool view for policing). Anyone can fill them with txs that pass the signature check and later
fail, and a tx may be up to ``max_tx_bytes`` long, so a bound on the entry count alone would let
large txs take gigabytes: each map is bounded in the bytes of its keys too, and the oldest
entries go first. None of them is consensus state: losing an entry only costs work again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import ItemsView
from typing import Generic, TypeVar

V = TypeVar("V")


class BoundedTxMap(Generic[V]):
    """``raw tx -> V``, oldest first; at most ``capacity`` entries and ``max_bytes`` of keys.
    (Values are never None: ``get`` and ``pop`` answer None for a missing key.)"""

    __slots__ = ("_bytes", "_capacity", "_entries", "_max_bytes")

    def __init__(self, capacity: int, max_bytes: int) -> None:
        self._capacity = capacity
        self._max_bytes = max_bytes
        self._bytes = 0  # total length of the keys
        self._entries: OrderedDict[bytes, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: bytes) -> bool:
        return key in self._entries

    @property
    def key_bytes(self) -> int:
        return self._bytes

    def get(self, key: bytes) -> V | None:
        return self._entries.get(key)

    def put(self, key: bytes, value: V) -> None:
        """Set ``key`` (a key already there keeps its place), then drop the oldest beyond the bounds
        (a key longer than ``max_bytes`` leaves the map empty)."""
        entries = self._entries
        if key not in entries:
            self._bytes += len(key)
        entries[key] = value
        while len(entries) > self._capacity or self._bytes > self._max_bytes:
            oldest, _ = entries.popitem(last=False)
            self._bytes -= len(oldest)

    def pop(self, key: bytes) -> V | None:
        value = self._entries.pop(key, None)
        if value is not None:
            self._bytes -= len(key)
        return value

    def items(self) -> ItemsView[bytes, V]:
        """(key, value) oldest first (a live view: do not change the map meanwhile)."""
        return self._entries.items()
