"""Module events into ABCI events, and which of their attributes CometBFT indexes.

An attribute's ``index`` flag only tells this node's CometBFT tx indexer to make it searchable
(``/tx_search?query="transfer.recipient='bpdao1…'"``); events are in no consensus hash (a block's
``LastResultsHash`` covers code, data and gas of each result), so it is a node-local choice, set in
``app.toml`` as ``index_events``:

- ``identities`` (default): attributes that name an account or an on-chain object (``sender``,
  ``recipient``, ``id``, ``pool_id``, …; :data:`IDENTITY_KEYS`), what explorers and wallets search
  by; amounts, hashes, times and reasons are kept in the results but not indexed;
- ``all``: every attribute (each costs the node an index write per tx: with signed transfers on
  one node, indexing all six attributes of a transfer's two events of the time, against none, cost
  the node ~40-100 µs of CPU per tx in paired runs, 10-25 % of its own per-tx cost;
  docs/benchmarks.md);
- ``none``: nothing beyond what CometBFT always indexes (``tx.hash``, ``tx.height``).
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from enum import StrEnum
from typing import Any

from modules.core.context import Event


class EventIndexing(StrEnum):
    IDENTITIES = "identities"
    ALL = "all"
    NONE = "none"


# Attribute keys (of any module's events) that name an account or an on-chain object.
IDENTITY_KEYS = frozenset(
    {
        "client",
        "delegate",
        "epoch",
        "expert",
        "holder",
        "id",
        "kind",
        "member",
        "owner",
        "payer",
        "pool_id",
        "post_id",
        "producer",
        "proposer",
        "recipient",
        "sender",
        "stake_id",
        "staker",
        "validator",
    }
)


class _Every:
    def __contains__(self, key: object) -> bool:
        return True


def indexed_keys(indexing: EventIndexing) -> Container[str]:
    """The attribute keys to index under ``indexing``."""
    if indexing is EventIndexing.ALL:
        return _Every()
    return IDENTITY_KEYS if indexing is EventIndexing.IDENTITIES else frozenset()


def add_events(target: Any, events: Iterable[Event], indexed: Container[str]) -> None:
    """Append ``events`` to a repeated ``abci.Event`` field (``.add`` is ~3x faster than building
    Event/EventAttribute objects and copying them in)."""
    add_event = target.add
    for event in events:
        add_attribute = add_event(type=event.type).attributes.add
        for key, value in event.attributes:
            add_attribute(key=key, value=value, index=key in indexed)
