"""work keeper: requests, evidence, verdicts, deadlines and the validation-pool result hook."""

from __future__ import annotations

from dataclasses import replace

from modules.availability.types import kind_problem
from modules.core import codec
from modules.core.context import Context
from modules.core.errors import GenesisError, TxError, ensure
from modules.core.store import StoreKey
from modules.work import errors as E
from modules.work.deps import AssignmentSeeds, Availability, Bank, Forum, ValidationPool
from modules.work.state import WorkState
from modules.work.types import (
    DETAILS_HASH_LEN,
    SECOND_NS,
    Params,
    Status,
    Verdict,
    WorkRequest,
)

PPM = 1_000_000
CALLBACK_NAME = "work"  # the name this module's pool result hook is registered under
# the statuses whose fee the work account holds (the pool has not taken it, nobody was refunded)
ESCROWED = (Status.PENDING, Status.ASSIGNED, Status.EVIDENCE)


def assignment_seed(randomness: bytes, request_id: int) -> bytes:
    """The selection seed of a request: the beacon seed it waited for (or, without a beacon, the
    block's randomness), bound to the request (requests sharing a seed draw independently)."""
    return b"bpdao/work/assign\x00" + codec.u64(request_id) + randomness


class WorkKeeper:
    def __init__(
        self,
        key: StoreKey,
        *,
        escrow: bytes,
        bank: Bank,
        forum: Forum,
        availability: Availability,
        pools: ValidationPool,
    ) -> None:
        self._state = WorkState(key)
        self._escrow = escrow  # the work module's bank account
        self._bank = bank
        self._forum = forum
        self._availability = availability
        self._pools = pools
        self._seeds: AssignmentSeeds | None = None  # None: no beacon, assign from the block's randomness

    def set_assignment_seeds(self, seeds: AssignmentSeeds | None) -> None:
        """Wiring: where the seeds come from (built after work, from the producers and the beacon)."""
        self._seeds = seeds

    # --- params -----------------------------------------------------------------------------------
    def params(self, ctx: Context) -> Params:
        return self._state.params.get(ctx)

    def set_params(self, ctx: Context, params: Params) -> None:
        self._state.params.set(ctx, params)

    def get(self, ctx: Context, request_id: int) -> WorkRequest | None:
        return self._state.request(ctx, request_id)

    def requests_by_client(self, ctx: Context, client: bytes) -> list[int]:
        return self._state.ids_by_client(ctx, client)

    def requests_by_expert(self, ctx: Context, expert: bytes) -> list[int]:
        return self._state.ids_by_expert(ctx, expert)

    def pending(self, ctx: Context, limit: int) -> list[tuple[int, int]]:
        """Up to ``limit`` pending requests as (target epoch, id), in the order they will be drawn."""
        return self._state.waiting(ctx, limit)

    # --- messages ---------------------------------------------------------------------------------
    def export_state(self, ctx: Context) -> tuple[list[WorkRequest], int]:
        """(every request, the next request id) for a genesis export."""
        return self._state.requests(ctx), self._state.ids.peek(ctx)

    def restore_state(self, ctx: Context, requests: list[WorkRequest], next_request_id: int) -> None:
        """Genesis: the state of :meth:`export_state`; the escrow (bank's section, loaded first) must
        hold the fees of the requests whose pool has not opened (pending ones included)."""
        self._state.restore(ctx, requests, next_request_id)
        owed = sum(r.fee for r in requests if r.status in ESCROWED)
        held = self._bank.balance(ctx, self._escrow)
        if held != owed:
            raise GenesisError(f"work.requests: escrowed fees total {owed}, the escrow holds {held}")

    def request_work(
        self, ctx: Context, client: bytes, kind: str, fee: int, details_hash: bytes, deadline_s: int
    ) -> WorkRequest:
        """Escrow the fee. With a beacon the request waits (pending) for the seed of its target epoch,
        which nobody can see yet; without one an expert is drawn at once from the block's randomness.
        The expert's evidence is due ``deadline_s`` after the assignment."""
        problem = kind_problem(kind)
        ensure(problem is None, E.ERR_INVALID_KIND(f"{kind!r}: {problem}"))
        params = self._state.params.get(ctx)
        ensure(fee >= params.min_fee, E.ERR_FEE_TOO_LOW(f"{fee} < {params.min_fee}"))
        ensure(
            len(details_hash) == DETAILS_HASH_LEN, E.ERR_INVALID_DETAILS_HASH(f"{len(details_hash)} bytes")
        )
        ok = 1 <= deadline_s <= params.max_deadline_s
        ensure(ok, E.ERR_INVALID_DEADLINE(f"{deadline_s} s, max {params.max_deadline_s}"))
        request_id = self._state.ids.next(ctx)
        # nobody available now: refused at once (the draw itself may still find nobody, then a refund)
        stake_id = self._availability.select(ctx, kind, assignment_seed(ctx.block.randomness, request_id))
        if stake_id is None:
            raise E.ERR_NO_EXPERT_AVAILABLE(kind)
        target = None if self._seeds is None else self._seeds.target_epoch(ctx)
        self._bank.send(ctx, client, self._escrow, fee)
        request = WorkRequest(
            id=request_id,
            client=client,
            kind=kind,
            fee=fee,
            details_hash=details_hash,
            created_ns=ctx.block.time_ns,
            deadline_s=deadline_s,
            status=Status.PENDING,
            target_epoch=target,
        )
        self._state.put(ctx, request)
        ctx.emit(
            "work.request",
            id=request_id,
            client=client.hex(),
            kind=kind,
            fee=fee,
            deadline_s=deadline_s,
            target_epoch="" if target is None else target,
        )
        if target is None:
            return self._assign(ctx, request, stake_id)
        self._state.wait_for_seed(ctx, target, request_id)
        return request

    def submit_evidence(self, ctx: Context, sender: bytes, request_id: int, post_id: int) -> WorkRequest:
        """The assigned expert names the evidence post (authored by them) before the deadline."""
        request = self._existing(ctx, request_id)
        pending = request.status == Status.PENDING
        ensure(not pending, E.ERR_EVIDENCE_NOT_EXPECTED("pending: no expert is assigned yet"))
        ensure(sender == request.expert, E.ERR_NOT_ASSIGNED_EXPERT(str(request_id)))
        ensure(request.status == Status.ASSIGNED, E.ERR_EVIDENCE_NOT_EXPECTED(f"status {request.status}"))
        deadline_ns = request.deadline_ns
        assert deadline_ns is not None  # set at assignment
        ensure(ctx.block.time_ns < deadline_ns, E.ERR_DEADLINE_PASSED(f"at {deadline_ns} ns"))
        ensure(post_id > 0 and self._forum.exists(ctx, post_id), E.ERR_UNKNOWN_POST(str(post_id)))
        ensure(self._forum.is_author(ctx, post_id, sender), E.ERR_EVIDENCE_NOT_BY_EXPERT(str(post_id)))
        used_by = self._state.evidence_of(ctx, post_id)
        ensure(used_by is None, E.ERR_EVIDENCE_REUSED(f"post {post_id} is evidence of request {used_by}"))
        cutoff = ctx.block.time_ns + self._state.params.get(ctx).verdict_window_s * SECOND_NS
        request = replace(request, status=Status.EVIDENCE, post_id=post_id, verdict_cutoff_ns=cutoff)
        self._state.put(ctx, request)
        self._state.mark_evidence(ctx, post_id, request_id)
        self._state.clear_timer(ctx, deadline_ns, request_id)
        self._state.set_timer(ctx, cutoff, request_id)
        ctx.emit("work.evidence", id=request_id, post_id=post_id, verdict_cutoff_ns=cutoff)
        return request

    def record_verdict(self, ctx: Context, sender: bytes, request_id: int, approve: bool) -> WorkRequest:
        """The client's verdict is recorded and published, and opens the validation pool at once."""
        request = self._existing(ctx, request_id)
        ensure(sender == request.client, E.ERR_NOT_CLIENT(str(request_id)))
        ensure(request.status == Status.EVIDENCE, E.ERR_VERDICT_NOT_EXPECTED(f"status {request.status}"))
        assert request.verdict_cutoff_ns is not None
        self._state.clear_timer(ctx, request.verdict_cutoff_ns, request_id)
        verdict = Verdict.APPROVE if approve else Verdict.DISAPPROVE
        return self._open_pool(ctx, replace(request, verdict=verdict))

    # --- block and pool hooks ---------------------------------------------------------------------
    def end_block(self, ctx: Context) -> None:
        """Assign the pending requests whose seed is decided, then act on the timers due at this block
        time: O(requests assigned + due timers), one read when nothing is due."""
        self._assign_waiting(ctx)
        for time_ns, request_id in self._state.due_timers(ctx, ctx.block.time_ns):
            self._state.clear_timer(ctx, time_ns, request_id)
            request = self._state.request(ctx, request_id)
            if request is None:
                continue
            branch = ctx.branch()
            try:
                if request.status == Status.ASSIGNED:
                    self._fail(branch, request)
                elif request.status == Status.EVIDENCE:
                    self._open_pool(branch, request)  # no verdict by the cutoff
                branch.commit()
            except TxError as err:
                # e.g. the pool refused to open: give everything back rather than leave it stuck
                self._cancel(ctx, request, err)

    def on_pool_resolved(self, ctx: Context, pool_id: int, accepted: bool, quorum_met: bool) -> None:
        """The pool on an evidence post resolved (it has already handled the stakes, mint and fee)."""
        request_id = self._state.request_of_pool(ctx, pool_id)
        if request_id is None:
            return
        request = self._state.request(ctx, request_id)
        if request is None or request.status != Status.POOL_OPEN:
            return
        status = Status.EXPIRED if not quorum_met else Status.ACCEPTED if accepted else Status.REJECTED
        self._state.put(ctx, replace(request, status=status))
        ctx.emit("work.resolved", id=request_id, pool_id=pool_id, status=status)

    # --- transitions ------------------------------------------------------------------------------
    def _assign_waiting(self, ctx: Context) -> None:
        """Pending requests, lowest target epoch first: drawn once their seed is decided, refunded once
        it is ``max_wait_epochs`` overdue (or the chain has no beacon any more)."""
        while (epoch := self._state.first_waiting_epoch(ctx)) is not None:
            seed = None if self._seeds is None else self._seeds.decided_seed(ctx, epoch)
            if seed is not None:
                for request_id in self._state.waiting_for(ctx, epoch):
                    self._state.stop_waiting(ctx, epoch, request_id)
                    self._draw(ctx, self._existing(ctx, request_id), seed)
                continue
            now = None if self._seeds is None else self._seeds.target_epoch(ctx)
            if now is not None and now - epoch <= self.params(ctx).max_wait_epochs:
                return  # the rest target later epochs: nothing more to do this block
            for request_id in self._state.waiting_for(ctx, epoch):
                self._state.stop_waiting(ctx, epoch, request_id)
                self._refund(ctx, self._existing(ctx, request_id), Status.NO_SEED)

    def _draw(self, ctx: Context, request: WorkRequest, seed: bytes) -> None:
        """Assign a pending request from its seed, or refund it if nobody is available now."""
        stake_id = self._availability.select(ctx, request.kind, assignment_seed(seed, request.id))
        if stake_id is not None:
            branch = ctx.branch()
            try:
                self._assign(branch, request, stake_id)
                branch.commit()
                return
            except TxError:
                pass  # cannot happen for a stake select just chose; refunding beats a stuck request
        self._refund(ctx, request, Status.NO_EXPERT)

    def _assign(self, ctx: Context, request: WorkRequest, stake_id: int) -> WorkRequest:
        """The drawn stake leaves selection (its REP stays encumbered); the deadline starts now."""
        stake = self._availability.assign(ctx, stake_id)
        deadline_ns = ctx.block.time_ns + request.deadline_s * SECOND_NS
        request = replace(
            request,
            status=Status.ASSIGNED,
            deadline_ns=deadline_ns,
            expert=stake.owner,
            stake_id=stake.id,
            stake_amount=stake.amount,
        )
        self._state.put(ctx, request)
        self._state.set_timer(ctx, deadline_ns, request.id)
        ctx.emit(
            "work.assign",
            id=request.id,
            expert=stake.owner.hex(),
            stake_id=stake.id,
            stake_amount=stake.amount,
            deadline_ns=deadline_ns,
        )
        return request

    def _refund(self, ctx: Context, request: WorkRequest, status: str) -> None:
        """A pending request that cannot be assigned: the escrowed fee goes back to the client."""
        self._bank.send(ctx, self._escrow, request.client, request.fee)
        self._state.put(ctx, replace(request, status=status))
        ctx.emit("work.unassigned", id=request.id, status=status, refunded=request.fee)

    def _open_pool(self, ctx: Context, request: WorkRequest) -> WorkRequest:
        """Start the pool on the evidence post with the escrowed fee; the expert's assigned stake
        becomes their stake in favour."""
        assert request.post_id is not None and request.stake_id is not None and request.expert is not None
        pool_id = self._pools.initiate(
            ctx, post_id=request.post_id, payer=self._escrow, fee=request.fee, callback=CALLBACK_NAME
        )
        stake = self._availability.get(ctx, request.stake_id)
        amount = 0 if stake is None else stake.amount  # what is left of it (slashes may have hit it)
        self._availability.release_assignment(ctx, request.stake_id)
        if amount:
            self._pools.stake(ctx, pool_id, request.expert, amount, True)
        request = replace(request, status=Status.POOL_OPEN, pool_id=pool_id)
        self._state.put(ctx, request)
        self._state.link_pool(ctx, pool_id, request.id)
        ctx.emit(
            "work.pool",
            id=request.id,
            pool_id=pool_id,
            post_id=request.post_id,
            verdict=request.verdict,
            expert_stake=amount,
        )
        return request

    def _fail(self, ctx: Context, request: WorkRequest) -> None:
        """No evidence by the deadline: the whole assigned stake is burned, the fee goes back."""
        assert request.stake_id is not None and request.expert is not None  # set at assignment
        burned = self._availability.slash(ctx, request.stake_id, PPM)
        self._availability.release_assignment(ctx, request.stake_id)
        self._bank.send(ctx, self._escrow, request.client, request.fee)
        self._state.put(ctx, replace(request, status=Status.FAILED))
        ctx.emit(
            "work.failed", id=request.id, expert=request.expert.hex(), burned=burned, refunded=request.fee
        )

    def _cancel(self, ctx: Context, request: WorkRequest, err: TxError) -> None:
        assert request.stake_id is not None  # only requests with evidence get here
        branch = ctx.branch()
        try:
            self._availability.release_assignment(branch, request.stake_id)
            self._bank.send(branch, self._escrow, request.client, request.fee)
            branch.commit()
        except TxError:
            pass  # nothing left to give back; the status below still records what happened
        self._state.put(ctx, replace(request, status=Status.CANCELLED))
        ctx.emit("work.cancelled", id=request.id, reason=err.message)

    def _existing(self, ctx: Context, request_id: int) -> WorkRequest:
        request = self._state.request(ctx, request_id)
        if request is None:
            raise E.ERR_UNKNOWN_REQUEST(str(request_id))
        return request
