"""blocks keeper: every block is work (docs/spec/por.md, "Every block is work").

Per block (end_block, before salary sweeps the fee collector): the block's tx fees move into the
blocks account, the production tax is minted there, and the block is recorded with its proposer's
member. When the previous height closed a roll-up window, each proposer of the window gets one forum
post on its blocks and one validation pool on it (fee = its blocks' fees + tax), and every member
whose node judged one of those blocks (verdicts from signed vote extensions) stakes on it.
A rejected pool (quorum met) slashes the producer's block_production availability stakes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from modules.blocks.deps import Availability, Bank, Forum, Producers, Reputation, ValidationPool
from modules.blocks.state import BlocksState
from modules.blocks.types import (
    BLOCK_PRODUCTION,
    MODULE_NAME,
    PPM,
    VERDICT_AGAINST,
    VERDICTS,
    BlockRecord,
    Params,
    PoolAuthor,
    Status,
    VerdictRecord,
)
from modules.core import codec
from modules.core.context import Context
from modules.core.errors import GenesisError, TxError
from modules.core.store import StoreKey
from modules.validation_pool.types import Params as PoolParams

PRUNE_PER_BLOCK = 8  # > 1: the one record a block adds, and a backlog drains


class BlocksKeeper:
    def __init__(
        self,
        key: StoreKey,
        *,
        account: bytes,
        fee_collector: bytes,
        bank: Bank,
        reputation: Reputation,
        forum: Forum,
        pools: ValidationPool,
        availability: Availability,
        producers: Producers,
    ) -> None:
        self.state = BlocksState(key)
        self.account = account  # the blocks module account: fees + tax until their pool opens
        self.fee_collector = fee_collector
        self._bank = bank
        self._reputation = reputation
        self._forum = forum
        self._pools = pools
        self._availability = availability
        self._producers = producers

    # --- params -----------------------------------------------------------------------------------
    def params(self, ctx: Context) -> Params:
        return self.state.params.get(ctx)

    def set_params(self, ctx: Context, params: Params) -> None:
        self.state.params.set(ctx, params)

    # --- reads --------------------------------------------------------------------------------------
    def block(self, ctx: Context, height: int) -> BlockRecord | None:
        return self.state.record(ctx, height)

    def blocks_between(self, ctx: Context, first: int, last: int) -> list[BlockRecord]:
        return list(self.state.records_between(ctx, first, last))

    def verdicts(self, ctx: Context, height: int) -> list[tuple[bytes, int]]:
        """Verdicts on a block whose window is still open (cleared once it is posted)."""
        return self.state.verdicts(ctx, height)

    # --- genesis ------------------------------------------------------------------------------------
    def export_state(
        self, ctx: Context
    ) -> tuple[list[BlockRecord], int, list[VerdictRecord], list[PoolAuthor]]:
        """(every block record, the cursor, the open windows' verdicts, open pools' authors)."""
        s = self.state
        return s.all_records(ctx), s.cursor.get(ctx), s.all_verdicts(ctx), s.all_pool_authors(ctx)

    def restore_state(
        self,
        ctx: Context,
        records: Sequence[BlockRecord],
        cursor: int,
        verdicts: Sequence[VerdictRecord],
        pool_authors: Sequence[PoolAuthor],
    ) -> None:
        """Genesis: the state of :meth:`export_state`; the blocks account (bank's section, loaded
        first) must hold the fees + tax of the records still waiting for their window."""
        for record in records:
            self.state.put_record(ctx, record)
        if cursor:
            self.state.cursor.set(ctx, cursor)
        for v in verdicts:
            self.state.set_verdict(ctx, v.height, v.member, v.verdict)
        for a in pool_authors:
            self.state.set_pool_author(ctx, a.pool_id, a.member)
        owed = sum(r.fees + r.tax for r in records if r.status == Status.PENDING)
        held = self._bank.balance(ctx, self.account)
        if held != owed:
            raise GenesisError(
                f"blocks.blocks: pending blocks' fees and tax total {owed}, the account holds {held}"
            )

    # --- PoR input (abci_app/por.py, begin_block) ----------------------------------------------------
    def record_verdicts(self, ctx: Context, height: int, verdicts: Sequence[tuple[bytes, int]]) -> None:
        """The verdicts of counted (signature-checked) votes on block ``height``, by member.
        Only a block still waiting for its window keeps them; "none" leaves nothing."""
        record = self.state.record(ctx, height)
        if record is None or record.status != Status.PENDING:
            return
        for member, verdict in verdicts:
            if verdict in VERDICTS:
                self.state.set_verdict(ctx, height, member, verdict)

    # --- end_block ------------------------------------------------------------------------------------
    def end_block(self, ctx: Context) -> None:
        params = self.state.params.get(ctx)
        self._record_block(ctx, params)
        self._close_window(ctx, params, ctx.block.height - 1)
        self._prune(ctx, params)

    def _prune(self, ctx: Context, params: Params) -> None:
        """Delete posted records older than ``history_blocks``, oldest first, at most
        PRUNE_PER_BLOCK a block (so a lowered ``history_blocks`` catches up without a spike).
        A record still waiting for its window is never deleted."""
        horizon = ctx.block.height - params.history_blocks
        for record in self.state.oldest_records(ctx, PRUNE_PER_BLOCK):
            if record.height > horizon or record.status == Status.PENDING:
                return
            self.state.delete_record(ctx, record.height)

    def _record_block(self, ctx: Context, params: Params) -> None:
        height = ctx.block.height
        proposer = ctx.block.proposer
        member = self._producers.member_of_validator(ctx, proposer) if proposer else None
        if member is None:
            # Nobody to post for: the fees stay for salary's sweep and no tax is minted.
            record = BlockRecord(height, None, ctx.block.hash, 0, 0, Status.NO_PROPOSER)
        else:
            fees = self._bank.balance(ctx, self.fee_collector)
            if fees:
                self._bank.send(ctx, self.fee_collector, self.account, fees)
            if params.production_tax:
                self._bank.mint(ctx, self.account, params.production_tax)
            record = BlockRecord(height, member, ctx.block.hash, fees, params.production_tax)
        self.state.put_record(ctx, record)
        if self.state.cursor.get(ctx) == 0:
            self.state.cursor.set(ctx, height)
        ctx.emit(
            "blocks.record",
            height=height,
            proposer=member.hex() if member else "",
            fees=record.fees,
            tax=record.tax,
        )

    def _close_window(self, ctx: Context, params: Params, last: int) -> None:
        """If ``last`` ends a window (a multiple of R), post the blocks from the cursor to ``last``:
        their verdicts all arrived in this block (those on ``last`` come with this block's commit)."""
        first = self.state.cursor.get(ctx)
        if last < 1 or last % params.rollup_blocks or first == 0 or first > last:
            return
        by_proposer: dict[bytes, list[BlockRecord]] = {}
        for record in self.state.records_between(ctx, first, last):
            if record.proposer:
                by_proposer.setdefault(record.proposer, []).append(record)
        for proposer in sorted(by_proposer):
            self._post_work(ctx, params, proposer, by_proposer[proposer])
        for height in range(first, last + 1):
            self.state.clear_verdicts(ctx, height)
        self.state.cursor.set(ctx, last + 1)

    def _post_work(self, ctx: Context, params: Params, proposer: bytes, records: list[BlockRecord]) -> None:
        """One post authored by ``proposer`` on its blocks of the window, one pool on it (paid from
        the blocks account), then the policing stakes."""
        fee = sum(r.fees + r.tax for r in records)
        content_hash = hashlib.sha256(codec.dumps([r.summary() for r in records])).digest()
        branch = ctx.branch()
        try:
            post_id = self._forum.create_post(
                branch, sender=proposer, content_hash=content_hash, authors=[(proposer, PPM)], citations=[]
            )
            pool_id = None
            if fee:
                pool_id = self._pools.initiate(
                    branch,
                    post_id=post_id,
                    payer=self.account,
                    fee=fee,
                    callback=MODULE_NAME,
                    duration_s=params.pool_duration_s,
                    params=self._pool_params(branch, params),
                )
        except TxError as e:
            # The branch's writes are dropped; the tokens become salary (swept after this hook).
            if fee:
                self._bank.send(ctx, self.account, self.fee_collector, fee)
            for r in records:
                self.state.put_record(ctx, replace(r, status=Status.FAILED))
            ctx.emit("blocks.post_failed", proposer=proposer.hex(), fee=fee, error=e.message)
            return
        branch.commit()
        status = Status.POOLED if pool_id is not None else Status.NO_FEE
        for r in records:
            self.state.put_record(ctx, replace(r, status=status, post_id=post_id, pool_id=pool_id))
        ctx.emit(
            "blocks.post",
            proposer=proposer.hex(),
            post_id=post_id,
            pool_id=pool_id if pool_id is not None else "",
            fee=fee,
            first=records[0].height,
            last=records[-1].height,
        )
        if pool_id is not None:
            self.state.set_pool_author(ctx, pool_id, proposer)
            self._police(ctx, params, proposer, records, pool_id)

    def _pool_params(self, ctx: Context, params: Params) -> PoolParams:
        """The pools module's params with the blocks' quorum and duration (the duration range is
        widened to include it, so a narrowed user range never blocks block pools)."""
        current = self._pools.params(ctx)
        duration = params.pool_duration_s
        return replace(
            current,
            quorum=params.pool_quorum,
            duration_min_s=min(current.duration_min_s, duration),
            duration_default_s=duration,
            duration_max_s=max(current.duration_max_s, duration),
        )

    def _police(
        self, ctx: Context, params: Params, proposer: bytes, records: list[BlockRecord], pool_id: int
    ) -> None:
        """Every member with a verdict on one of these blocks (not the proposer) stakes
        ``free REP * policing_stake_ppm // PPM``: against if any of its verdicts is against."""
        against: dict[bytes, bool] = {}
        for r in records:
            for member, verdict in self.state.verdicts(ctx, r.height):
                if member != proposer:
                    against[member] = against.get(member, False) or verdict == VERDICT_AGAINST
        for member in sorted(against):
            amount = self._reputation.free(ctx, member) * params.policing_stake_ppm // PPM
            if amount == 0:
                continue
            branch = ctx.branch()
            try:
                self._pools.stake(branch, pool_id, member, amount, not against[member])
            except TxError as e:
                ctx.emit("blocks.stake_failed", pool_id=pool_id, member=member.hex(), error=e.message)
                continue
            branch.commit()

    # --- validation_pool result hook ---------------------------------------------------------------
    def on_pool_resolved(self, ctx: Context, pool_id: int, accepted: bool, quorum_met: bool) -> None:
        """Rejected with quorum met: the block was invalid; slash its producer's availability."""
        producer = self.state.pool_author(ctx, pool_id)
        if producer is None:
            return
        self.state.clear_pool_author(ctx, pool_id)
        if accepted or not quorum_met:
            return
        ppm = self.state.params.get(ctx).invalid_block_slash_ppm
        burned = 0
        for stake in self._availability.active_stakes_of(ctx, producer, BLOCK_PRODUCTION):
            burned += self._availability.slash(ctx, stake.id, ppm)
        ctx.emit("blocks.invalid", pool_id=pool_id, producer=producer.hex(), burned=burned)
