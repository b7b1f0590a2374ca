"""The execution context handed to every handler: block info, the signer, state, events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from modules.core.store import CacheStore, KVStore, PrefixStore, ReadOnlyStore, StoreKey


@dataclass(frozen=True)
class BlockInfo:
    """What a state transition may know about time: the block, never the wall clock."""

    height: int
    time_ns: int  # block time from the header (BFT time), nanoseconds since the Unix epoch
    chain_id: str
    proposer: bytes = b""  # CometBFT validator address (20 bytes) of the block's proposer
    # The chain's randomness for this block (seeds e.g. work assignment). The app fills it from
    # the block hash for now; a randomness beacon replaces that source in a later issue.
    randomness: bytes = b""
    hash: bytes = b""  # the block's hash (FinalizeBlock only; b"" in CheckTx and proposals)


class Event(NamedTuple):
    """An ABCI event: a type and (key, value) attributes. (A tuple: built on every transfer.)"""

    type: str
    attributes: tuple[tuple[str, str], ...]


@dataclass
class Context:
    """State and block info for one execution (a tx, a block hook, a query).

    ``branch()`` gives a child context whose writes land in the parent only on ``commit()``.
    """

    root: KVStore
    block: BlockInfo
    events: list[Event] = field(default_factory=list)
    # True in CheckTx and PrepareProposal (only pass/fail is kept): handlers may skip work that
    # only matters in blocks, such as events.
    is_check: bool = False
    # Prefix views are made once per context: store() sits on every hot path.
    _stores: dict[str, PrefixStore] = field(default_factory=dict, repr=False, compare=False)

    def store(self, key: StoreKey) -> KVStore:
        view = self._stores.get(key.name)
        if view is None:
            view = self._stores[key.name] = PrefixStore(self.root, key.prefix)
        return view

    def emit(self, type_: str, **attributes: object) -> None:
        self.events.append(Event(type_, tuple([(k, str(v)) for k, v in attributes.items()])))

    def branch(self) -> BranchedContext:
        cache = CacheStore(self.root)
        return BranchedContext(root=cache, block=self.block, is_check=self.is_check, cache=cache, parent=self)

    def read_only(self) -> Context:
        return Context(root=ReadOnlyStore(self.root), block=self.block, is_check=self.is_check)


@dataclass
class BranchedContext(Context):
    cache: CacheStore | None = None
    parent: Context | None = None

    def commit(self) -> None:
        """Write this branch's state and events into the parent context."""
        assert self.cache is not None and self.parent is not None
        self.cache.write()
        self.parent.events.extend(self.events)
        self.events = []
