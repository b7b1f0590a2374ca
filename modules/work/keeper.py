"""work keeper: requests, evidence, verdicts, deadlines and the validation-pool result hook."""

from __future__ import annotations

from dataclasses import replace

from modules.availability.types import kind_problem
from modules.core import codec
from modules.core.context import Context
from modules.core.errors import GenesisError, TxError, ensure
from modules.core.store import StoreKey
from modules.work import errors as E
from modules.work.deps import Availability, Bank, Forum, ValidationPool
from modules.work.state import WorkState
from modules.work.types import DETAILS_HASH_LEN, SECOND_NS, Params, Status, Verdict, WorkRequest

PPM = 1_000_000
CALLBACK_NAME = "work"  # the name this module's pool result hook is registered under


def assignment_seed(randomness: bytes, request_id: int) -> bytes:
    """The selection seed of a request: the block's randomness, bound to the request (two requests in
    one block draw independently)."""
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

    # --- messages ---------------------------------------------------------------------------------
    def export_state(self, ctx: Context) -> tuple[list[WorkRequest], int]:
        """(every request, the next request id) for a genesis export."""
        return self._state.requests(ctx), self._state.ids.peek(ctx)

    def restore_state(self, ctx: Context, requests: list[WorkRequest], next_request_id: int) -> None:
        """Genesis: the state of :meth:`export_state`; the escrow (bank's section, loaded first) must
        hold the fees of the requests whose pool has not opened."""
        self._state.restore(ctx, requests, next_request_id)
        owed = sum(r.fee for r in requests if r.status in (Status.ASSIGNED, Status.EVIDENCE))
        held = self._bank.balance(ctx, self._escrow)
        if held != owed:
            raise GenesisError(f"work.requests: pending requests' fees total {owed}, the escrow holds {held}")

    def request_work(
        self, ctx: Context, client: bytes, kind: str, fee: int, details_hash: bytes, deadline_s: int
    ) -> WorkRequest:
        """Escrow the fee and assign an expert chosen by REP-weighted selection from the block's
        randomness. The expert's evidence is due before now + deadline_s."""
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
        stake_id = self._availability.select(ctx, kind, assignment_seed(ctx.block.randomness, request_id))
        if stake_id is None:
            raise E.ERR_NO_EXPERT_AVAILABLE(kind)
        self._bank.send(ctx, client, self._escrow, fee)
        stake = self._availability.assign(ctx, stake_id)
        now = ctx.block.time_ns
        request = WorkRequest(
            id=request_id,
            client=client,
            kind=kind,
            fee=fee,
            details_hash=details_hash,
            created_ns=now,
            deadline_ns=now + deadline_s * SECOND_NS,
            expert=stake.owner,
            stake_id=stake.id,
            stake_amount=stake.amount,
        )
        self._state.put(ctx, request)
        self._state.set_timer(ctx, request.deadline_ns, request_id)
        ctx.emit(
            "work.request",
            id=request_id,
            client=client.hex(),
            kind=kind,
            fee=fee,
            expert=stake.owner.hex(),
            stake_id=stake.id,
            deadline_ns=request.deadline_ns,
        )
        return request

    def submit_evidence(self, ctx: Context, sender: bytes, request_id: int, post_id: int) -> WorkRequest:
        """The assigned expert names the evidence post (authored by them) before the deadline."""
        request = self._existing(ctx, request_id)
        ensure(sender == request.expert, E.ERR_NOT_ASSIGNED_EXPERT(str(request_id)))
        ensure(request.status == Status.ASSIGNED, E.ERR_EVIDENCE_NOT_EXPECTED(f"status {request.status}"))
        ensure(ctx.block.time_ns < request.deadline_ns, E.ERR_DEADLINE_PASSED(f"at {request.deadline_ns} ns"))
        ensure(post_id > 0 and self._forum.exists(ctx, post_id), E.ERR_UNKNOWN_POST(str(post_id)))
        ensure(self._forum.is_author(ctx, post_id, sender), E.ERR_EVIDENCE_NOT_BY_EXPERT(str(post_id)))
        used_by = self._state.evidence_of(ctx, post_id)
        ensure(used_by is None, E.ERR_EVIDENCE_REUSED(f"post {post_id} is evidence of request {used_by}"))
        cutoff = ctx.block.time_ns + self._state.params.get(ctx).verdict_window_s * SECOND_NS
        request = replace(request, status=Status.EVIDENCE, post_id=post_id, verdict_cutoff_ns=cutoff)
        self._state.put(ctx, request)
        self._state.mark_evidence(ctx, post_id, request_id)
        self._state.clear_timer(ctx, request.deadline_ns, request_id)
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
        """Act on the timers due at this block time: O(due timers)."""
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
    def _open_pool(self, ctx: Context, request: WorkRequest) -> WorkRequest:
        """Start the pool on the evidence post with the escrowed fee; the expert's assigned stake
        becomes their stake in favour."""
        assert request.post_id is not None
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
        burned = self._availability.slash(ctx, request.stake_id, PPM)
        self._availability.release_assignment(ctx, request.stake_id)
        self._bank.send(ctx, self._escrow, request.client, request.fee)
        self._state.put(ctx, replace(request, status=Status.FAILED))
        ctx.emit(
            "work.failed", id=request.id, expert=request.expert.hex(), burned=burned, refunded=request.fee
        )

    def _cancel(self, ctx: Context, request: WorkRequest, err: TxError) -> None:
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
