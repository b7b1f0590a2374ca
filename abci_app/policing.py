"""Policing: this node's verdict on a proposed block, signed into its vote extension
(docs/spec/por.md, "Every block is work").

The judgment is node-local (it rests on what this node's mempool saw) but deterministic in effect:
the verdict travels in a signed extension and enters state through the next block's commit-info tx.

:class:`MempoolView` is NOT consensus state (like the verified-tx cache): txs this node accepted in
CheckTx of type NEW, with when it first saw them. Entries leave when the tx is in a finalized block
or fails recheck; the oldest go first beyond ``capacity`` entries or ``max_bytes`` of txs.

A block ``H`` is judged AGAINST iff some tx T of the view
  * was first seen with the chain at height ``<= H - inclusion_grace_blocks``,
  * is not in block H, and no tx of its signer is (a replacement or a predecessor would change it),
  * still passes ante against the block-start state (nonce, fee, balance),
  * and either the block had room for it — block data bytes + T's size ``<=`` the block's max data
    bytes, and the same holds for every excluded tx this node saw no later than T (a FIFO mempool
    stops reaping at the first tx that does not fit) — or T pays more than an included tx this node
    first saw after T.
Otherwise FOR. Cost: O(view + block) with set look-ups; at most ``MAX_ANTE_CHECKS`` ante runs.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, ItemsView, Sequence
from typing import NamedTuple

from abci_app.bounded import BoundedTxMap
from abci_app.execution import DecodedTx, data_size
from modules.blocks.types import VERDICT_AGAINST, VERDICT_FOR

DEFAULT_VIEW_CAPACITY = 10_000
DEFAULT_VIEW_BYTES = 64 * 1024 * 1024  # of raw txs (a tx may be up to auth max_tx_bytes)
MAX_ANTE_CHECKS = 64  # per ExtendVote: a view full of stale txs costs no more than this

# CometBFT v0.40.0 types/block.go: MaxDataBytes = max_bytes - MaxOverheadForBlock - MaxHeaderBytes
# - MaxCommitBytes(validators) - evidence bytes; MaxCommitBytes(n) = 94 + n * (MaxCommitSigBytes + 3)
# with MaxCommitSigBytes = MaxSignatureSize (3309, ML-DSA-65) + 20 + 1 + 14 + 11.
MAX_BLOCK_SIZE_BYTES = 104_857_600  # types.MaxBlockSizeBytes (block.max_bytes = -1)
_BLOCK_OVERHEAD = 11 + 626 + 94
_COMMIT_SIG_BYTES = 3309 + 20 + 1 + 14 + 11 + 3


def max_data_bytes(block_max_bytes: int, validators: int) -> int:
    """The data bytes CometBFT lets a proposer fill (no evidence)."""
    limit = MAX_BLOCK_SIZE_BYTES if block_max_bytes == -1 else block_max_bytes
    return limit - _BLOCK_OVERHEAD - validators * _COMMIT_SIG_BYTES


class SeenTx(NamedTuple):
    """One per accepted tx (a NamedTuple: immutable, and ~3x cheaper to build than a frozen dataclass)."""

    seq: int  # this node's arrival order
    height: int  # the last committed height when this node first accepted it
    size: int  # data_size of the raw tx
    tx: DecodedTx


class MempoolView:
    def __init__(self, capacity: int = DEFAULT_VIEW_CAPACITY, max_bytes: int = DEFAULT_VIEW_BYTES) -> None:
        self._capacity = capacity
        # raw tx -> entry, in arrival order (keyed by the bytes, as the verified-tx cache is)
        self._entries: BoundedTxMap[SeenTx] = BoundedTxMap(capacity, max_bytes)
        self._seq = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, raw: bytes) -> SeenTx | None:
        return self._entries.get(raw)

    def entries(self) -> ItemsView[bytes, SeenTx]:
        """(raw tx, entry) in arrival order (a live view: do not change the view meanwhile)."""
        return self._entries.items()

    def after_check(self, raw: bytes, tx: DecodedTx | None, recheck: bool, ok: bool, height: int) -> None:
        """CheckTx's one call: remember a NEW tx it accepted; forget one that failed recheck.
        (A view of capacity 0 — a node that gives no verdicts — does nothing.)"""
        if not self._capacity:
            return
        if ok and not recheck and tx is not None:
            if raw not in self._entries:
                self._seq += 1
                self._entries.put(raw, SeenTx(self._seq, height, data_size(raw), tx))
        elif recheck and not ok and self._entries:
            self._entries.pop(raw)

    def forget_block(self, txs: Sequence[bytes]) -> None:
        """A finalized block's txs leave the view."""
        if self._entries:
            for raw in txs:
                self._entries.pop(raw)


def judge(
    view: MempoolView,
    block_txs: Sequence[bytes],
    *,
    height: int,
    grace: int,
    room: int | None,
    signer_of: Callable[[bytes], bytes | None],
    passes_ante: Callable[[DecodedTx], bool],
) -> int:
    """VERDICT_AGAINST or VERDICT_FOR for block ``height`` (see the module doc).

    ``room``: the block's max data bytes (None: unknown, e.g. the block carries evidence; then only
    the fee rule applies). ``signer_of``: signer of a block tx (None if it is not a valid tx).
    """
    included: set[bytes] = set()
    signers: set[bytes] = set()
    used = 0
    for raw in block_txs:
        included.add(raw)
        used += data_size(raw)
        signer = signer_of(raw)
        if signer is not None:
            signers.add(signer)
    # Included txs this node saw, by arrival: for "a later-seen included tx pays less than T".
    seen_included = sorted((e.seq, e.tx.fee) for key in included if (e := view.get(key)) is not None)
    seqs = [seq for seq, _ in seen_included]
    min_fee_after = [0] * len(seen_included)  # min fee of included txs from index i on
    running = -1
    for i in range(len(seen_included) - 1, -1, -1):
        fee = seen_included[i][1]
        running = fee if running < 0 else min(running, fee)
        min_fee_after[i] = running
    largest_excluded = 0  # the largest excluded tx seen so far (FIFO reaping stops at the first misfit)
    ante_checks = 0
    for key, entry in view.entries():
        if key in included:
            continue
        largest_excluded = max(largest_excluded, entry.size)
        if entry.height > height - grace or entry.tx.signer in signers:
            continue
        fits = room is not None and used + largest_excluded <= room
        outbid = False
        if seqs and entry.seq < seqs[-1]:  # some included tx came later
            i = bisect.bisect_right(seqs, entry.seq)
            outbid = entry.tx.fee > min_fee_after[i]
        if not (fits or outbid):
            continue
        if ante_checks >= MAX_ANTE_CHECKS:
            break
        ante_checks += 1
        if passes_ante(entry.tx):
            return VERDICT_AGAINST
    return VERDICT_FOR
