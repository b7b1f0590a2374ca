"""The node's tx-keyed side maps are bounded in entries and in key bytes."""

from __future__ import annotations

from abci_app.bounded import BoundedTxMap
from abci_app.execution import EffectsCache, VerifiedTxCache
from abci_app.policing import MempoolView
from tests.abci_app.test_policing import TXS, raw


def test_the_map_is_bounded_in_key_bytes_and_drops_the_oldest() -> None:
    cache: BoundedTxMap[int] = BoundedTxMap(capacity=100, max_bytes=3 * 64)
    txs = [bytes([n]) * 64 for n in range(5)]
    for n, key in enumerate(txs[:3]):
        cache.put(key, n)
    assert (len(cache), cache.key_bytes) == (3, 192)
    cache.put(txs[0], 7)  # already there: no growth, no eviction, same place
    assert (len(cache), cache.key_bytes) == (3, 192)
    assert [key for key, _ in cache.items()] == txs[:3]
    cache.put(txs[3], 3)
    assert cache.get(txs[0]) is None and cache.get(txs[3]) == 3 and txs[0] not in cache
    assert (len(cache), cache.key_bytes) == (3, 192)
    assert cache.pop(txs[3]) == 3
    assert cache.pop(txs[3]) is None  # a second pop changes nothing
    assert (len(cache), cache.key_bytes) == (2, 128)
    cache.put(bytes(200), 9)  # larger than the whole bound: everything goes, itself too
    assert (len(cache), cache.key_bytes) == (0, 0)


def test_the_map_is_bounded_in_entries() -> None:
    cache: BoundedTxMap[int] = BoundedTxMap(capacity=2, max_bytes=1 << 20)
    for n in range(3):
        cache.put(bytes([n]), n)
    assert [value for _, value in cache.items()] == [1, 2]


def test_the_node_side_maps_are_bounded_in_bytes_by_default() -> None:
    # 16 KiB txs (auth's default max_tx_bytes): the entry count alone would let 65,536 of them in (1 GiB).
    for side_map in (VerifiedTxCache(), EffectsCache()):
        for n in range(4_200):
            side_map.put(n.to_bytes(4, "big") * 4_096, object())  # type: ignore[arg-type]
        assert 4_000 < len(side_map) < 4_200 and side_map.key_bytes <= 64 * 1024 * 1024


def test_the_mempool_view_drops_its_oldest_txs_beyond_its_byte_bound() -> None:
    view = MempoolView(capacity=100, max_bytes=len(raw("t")) + len(raw("u")))
    for name in ("t", "u", "v"):
        view.after_check(raw(name), TXS[name], False, True, 1)
    assert [entry.tx.signer for _, entry in view.entries()] == [b"s2", b"s3"]
