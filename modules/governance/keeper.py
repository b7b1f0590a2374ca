"""The governance keeper: proposals, their staged pools, scheduled activation (docs/spec/governance.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from modules.core.address import to_bech32
from modules.core.context import Context
from modules.core.errors import TxError
from modules.core.store import StoreKey
from modules.governance.deps import Bank, EpochClock, Forum, PoolParams, ValidationPool
from modules.governance.errors import (
    ERR_DUPLICATE_CHANGE,
    ERR_FEE_TOO_LOW,
    ERR_NO_CHANGES,
    ERR_NOT_AUTHOR,
    ERR_POST_ALREADY_PROPOSED,
    ERR_TOO_MANY_CHANGES,
    ERR_UNKNOWN_POST,
    UnsupportedWorkContractVersion,
)
from modules.governance.registry import SET_PARAMS_ERRORS, ParamRegistry
from modules.governance.state import GovernanceState
from modules.governance.types import (
    APPLIED,
    EXPIRED,
    FAILED,
    MODULE_NAME,
    REJECTED,
    SCHEDULED,
    STAGE1,
    STAGE2,
    SUPPORTED_WORK_CONTRACT_VERSIONS,
    ParamChange,
    Params,
    Proposal,
)

# Blocks per epoch of the fallback clock, for apps wired without the producers module (which owns
# the chain's epochs and is the clock in production: abci_app/wiring.py).
FALLBACK_EPOCH_LENGTH = 100


class EpochLengthClock:
    """Epochs of ``epoch_length(ctx)`` blocks numbered as the producers module numbers them at genesis:
    epoch e is heights e*L + 1 … (e+1)*L. The fallback clock is ``FALLBACK_EPOCH_LENGTH`` blocks."""

    def __init__(self, epoch_length: Callable[[Context], int]) -> None:
        self._epoch_length = epoch_length

    def next_epoch_start(self, ctx: Context) -> int:
        length = self._epoch_length(ctx)
        height = max(ctx.block.height, 1)
        return ((height - 1) // length + 1) * length + 1


def version_only_increases(old: Params, new: Params) -> str | None:
    """Transition rule of governance's own params: the work-contract version never goes back."""
    if new.work_contract_version < old.work_contract_version:
        return (
            f"work_contract_version may only increase ({old.work_contract_version} -> "
            f"{new.work_contract_version})"
        )
    return None


class GovernanceKeeper:
    def __init__(
        self,
        key: StoreKey,
        *,
        account: bytes,
        bank: Bank,
        forum: Forum,
        pools: ValidationPool,
        registry: ParamRegistry,
        epoch_clock: EpochClock | None = None,
        supported_versions: tuple[int, ...] = SUPPORTED_WORK_CONTRACT_VERSIONS,
    ) -> None:
        self.state = GovernanceState(key)
        self.account = account  # governance's bank account: holds stage-2 fees until stage 2 opens
        self.registry = registry
        self.supported_versions = supported_versions  # work-contract versions this software implements
        self._bank = bank
        self._forum = forum
        self._pools = pools
        self._clock: EpochClock = (
            epoch_clock if epoch_clock is not None else EpochLengthClock(lambda ctx: FALLBACK_EPOCH_LENGTH)
        )

    def set_epoch_clock(self, clock: EpochClock) -> None:
        """Wiring time: the producers module's epochs replace the fallback clock."""
        self._clock = clock

    def params(self, ctx: Context) -> Params:
        return self.state.params.get(ctx)

    def set_params(self, ctx: Context, params: Params) -> None:
        self.state.params.set(ctx, params)

    def work_contract_version(self, ctx: Context) -> int:
        return self.state.params.get(ctx).work_contract_version

    def get(self, ctx: Context, proposal_id: int) -> Proposal | None:
        return self.state.get(ctx, proposal_id)

    def next_epoch_start(self, ctx: Context) -> int:
        return self._clock.next_epoch_start(ctx)

    # -- proposing -----------------------------------------------------------------------

    def propose(
        self, ctx: Context, *, proposer: bytes, post_id: int, changes: Sequence[ParamChange], fee: int
    ) -> int:
        """Record a proposal on ``post_id`` and open its stage-1 pool. Returns the proposal id."""
        params = self.state.params.get(ctx)
        if fee < params.min_fee:
            raise ERR_FEE_TOO_LOW(f"{fee} < {params.min_fee}")
        if not self._forum.exists(ctx, post_id) or post_id == 0:
            raise ERR_UNKNOWN_POST(f"post {post_id}")
        if not self._forum.is_author(ctx, post_id, proposer):
            raise ERR_NOT_AUTHOR(f"post {post_id}")
        if self.state.proposal_of_post(ctx, post_id) is not None:
            raise ERR_POST_ALREADY_PROPOSED(f"post {post_id}")
        if not changes:
            raise ERR_NO_CHANGES()
        if len(changes) > params.max_changes:
            raise ERR_TOO_MANY_CHANGES(f"{len(changes)} > {params.max_changes}")
        seen: set[tuple[str, str]] = set()
        for change in changes:
            if (change.module, change.key) in seen:
                raise ERR_DUPLICATE_CHANGE(f"{change.module}.{change.key}")
            seen.add((change.module, change.key))
        normalized = self.registry.validate(ctx, changes)

        self._bank.send(ctx, proposer, self.account, fee)
        stage1_fee = fee // 2
        proposal = Proposal(
            id=self.state.ids.next(ctx),
            post_id=post_id,
            proposer=proposer,
            changes=normalized,
            fee=fee,
            stage1_fee=stage1_fee,
            stage2_fee=fee - stage1_fee,  # the odd token goes to the binding stage
            submitted_height=ctx.block.height,
        )
        pool_id = self._open_stage(ctx, proposal, 1, params)
        proposal = replace(proposal, stage1_pool=pool_id)
        self.state.put(ctx, proposal)
        self.state.set_proposal_of_post(ctx, post_id, proposal.id)
        self.state.set_proposal_of_pool(ctx, pool_id, proposal.id)
        ctx.emit(
            "governance.propose",
            id=proposal.id,
            post_id=post_id,
            proposer=to_bech32(proposer),
            fee=fee,
            changes=len(normalized),
            pool_id=pool_id,
        )
        return proposal.id

    def _open_stage(self, ctx: Context, proposal: Proposal, stage: int, params: Params) -> int:
        """Open the stage's pool on the proposal's post, paid from the governance account."""
        if stage == 1:
            quorum, win, binding = params.stage1_quorum, params.stage1_win_ratio, params.stage1_binding_ppm
            duration, fee = params.stage1_duration_s, proposal.stage1_fee
        else:
            quorum, win, binding = params.stage2_quorum, params.stage2_win_ratio, params.stage2_binding_ppm
            duration, fee = params.stage2_duration_s, proposal.stage2_fee
        current = self._pools.params(ctx)
        # The stage's own duration is always within the pool's range: the range bounds user pools and
        # must never lock governance out (a range voted below the stage durations could not be undone).
        pool_params: PoolParams = replace(
            current,
            quorum=quorum,
            win_ratio=win,
            binding_ppm=binding,
            duration_min_s=min(current.duration_min_s, duration),
            duration_default_s=duration,
            duration_max_s=max(current.duration_max_s, duration),
        )
        return self._pools.initiate(
            ctx,
            post_id=proposal.post_id,
            payer=self.account,
            fee=fee,
            callback=MODULE_NAME,
            duration_s=duration,
            params=pool_params,
        )

    # -- stage results (validation_pool result hook) -------------------------------------

    def on_pool_resolved(self, ctx: Context, pool_id: int, accepted: bool, quorum_met: bool) -> None:
        proposal_id = self.state.proposal_of_pool(ctx, pool_id)
        proposal = None if proposal_id is None else self.state.get(ctx, proposal_id)
        if proposal is None:
            return
        if proposal.status == STAGE1 and pool_id == proposal.stage1_pool:
            if accepted:
                self._advance_to_stage2(ctx, proposal)
            else:
                self._bank.send(ctx, self.account, proposal.proposer, proposal.stage2_fee)
                self._end(ctx, proposal, REJECTED if quorum_met else EXPIRED, stage=1)
        elif proposal.status == STAGE2 and pool_id == proposal.stage2_pool:
            if accepted:
                self._schedule(ctx, proposal)
            else:
                self._end(ctx, proposal, REJECTED if quorum_met else EXPIRED, stage=2)

    def _advance_to_stage2(self, ctx: Context, proposal: Proposal) -> None:
        branch = ctx.branch()
        try:
            pool_id = self._open_stage(branch, proposal, 2, self.state.params.get(ctx))
        except TxError as e:
            # e.g. the pool durations were changed so stage2_duration_s no longer fits: give the fee back.
            self._bank.send(ctx, self.account, proposal.proposer, proposal.stage2_fee)
            self._end(ctx, replace(proposal, reason=f"stage 2 could not open: {e.message}"), FAILED, stage=2)
            return
        branch.commit()
        self.state.set_proposal_of_pool(ctx, pool_id, proposal.id)
        self.state.put(ctx, replace(proposal, status=STAGE2, stage2_pool=pool_id))
        ctx.emit("governance.stage2", id=proposal.id, pool_id=pool_id)

    def _schedule(self, ctx: Context, proposal: Proposal) -> None:
        # A clock may only name a later height: a change never lands in a block already running.
        height = max(self._clock.next_epoch_start(ctx), ctx.block.height + 1)
        self.state.schedule(ctx, height, proposal.id)
        self.state.put(ctx, replace(proposal, status=SCHEDULED, activation_height=height))
        ctx.emit("governance.schedule", id=proposal.id, activation_height=height)

    def _end(self, ctx: Context, proposal: Proposal, status: str, stage: int) -> None:
        self.state.put(ctx, replace(proposal, status=status))
        ctx.emit("governance.end", id=proposal.id, status=status, stage=stage, reason=proposal.reason)

    # -- activation (begin_block) --------------------------------------------------------

    def begin_block(self, ctx: Context) -> None:
        """Apply the proposals scheduled for this height (each atomically), then stop the node if the
        work-contract version now in force is one this software does not implement."""
        for height, proposal_id in self.state.due(ctx, ctx.block.height):
            self.state.unschedule(ctx, height, proposal_id)
            proposal = self.state.get(ctx, proposal_id)
            assert proposal is not None and proposal.status == SCHEDULED
            self._apply(ctx, proposal)
        version = self.work_contract_version(ctx)
        if version not in self.supported_versions:
            raise UnsupportedWorkContractVersion(ctx.block.height, version, self.supported_versions)

    def _apply(self, ctx: Context, proposal: Proposal) -> None:
        branch = ctx.branch()
        try:
            self.registry.apply(branch, proposal.changes)
        except SET_PARAMS_ERRORS as e:
            reason = e.message if isinstance(e, TxError) else str(e)
            self.state.put(ctx, replace(proposal, status=FAILED, reason=f"invalid at activation: {reason}"))
            ctx.emit("governance.apply", id=proposal.id, status=FAILED, reason=reason)
            return
        branch.commit()
        self.state.put(ctx, replace(proposal, status=APPLIED))
        ctx.emit("governance.apply", id=proposal.id, status=APPLIED, reason="")
