"""The salary keeper (docs/spec.md §7).

Conservation (tested): ``bank(account) * SCALE == Σ accrued + Σ balance * (index - snapshot) + remainder``.
"""

from __future__ import annotations

from modules.core import codec
from modules.core.address import to_bech32
from modules.core.context import Context
from modules.core.errors import ensure
from modules.core.store import KVStore, StoreKey, prefix_end
from modules.salary.deps import Bank, Reputation
from modules.salary.errors import ERR_NOTHING_TO_CLAIM
from modules.salary.index import accrual, advance, whole_tokens
from modules.salary.types import Member, SalaryState

_STATE = b"state"
_MEMBER = b"m/"


class SalaryKeeper:
    def __init__(
        self, key: StoreKey, *, account: bytes, fee_collector: bytes, bank: Bank, reputation: Reputation
    ) -> None:
        self._key = key
        self.account = account  # the salary module account: holds every token not yet claimed
        self.fee_collector = fee_collector  # where auth collects tx fees; swept in end_block
        self._bank = bank
        self._reputation = reputation

    def _store(self, ctx: Context) -> KVStore:
        return ctx.store(self._key)

    def state(self, ctx: Context) -> SalaryState:
        raw = self._store(ctx).get(_STATE)
        return SalaryState(0, 0, 0, 0) if raw is None else codec.loads(SalaryState, raw)

    def _set_state(self, ctx: Context, state: SalaryState) -> None:
        self._store(ctx).set(_STATE, codec.dumps(state))

    def member(self, ctx: Context, addr: bytes) -> Member | None:
        raw = self._store(ctx).get(_MEMBER + addr)
        return None if raw is None else codec.loads(Member, raw)

    def members(self, ctx: Context) -> list[tuple[bytes, Member]]:
        """Every member record, ascending address (audits and tests; never on a block's path)."""
        store = self._store(ctx)
        return [
            (k[len(_MEMBER) :], codec.loads(Member, v))
            for k, v in store.iterate(_MEMBER, prefix_end(_MEMBER))
        ]

    # -- distribution --------------------------------------------------------------------

    def distribute(self, ctx: Context, amount: int) -> None:
        """Pay ``amount`` tokens (already in the salary account) to REP holders pro rata. O(1)."""
        assert amount >= 0
        state = self.state(ctx)
        index, remainder = advance(state.index, state.remainder, amount, self._reputation.supply(ctx))
        self._set_state(ctx, SalaryState(index, remainder, state.received + amount, state.paid))
        ctx.emit("salary.distribute", amount=amount, index=index)

    def pay(self, ctx: Context, payer: bytes, amount: int) -> None:
        """Move ``amount`` from ``payer`` into the salary account and distribute it."""
        if amount:
            self._bank.send(ctx, payer, self.account, amount)
        self.distribute(ctx, amount)

    def sweep_fees(self, ctx: Context) -> int:
        """end_block: the tx fees collected by auth become salary. O(1)."""
        collected = self._bank.balance(ctx, self.fee_collector)
        if collected:
            self.pay(ctx, self.fee_collector, collected)
        return collected

    # -- members -------------------------------------------------------------------------

    def before_balance_change(self, ctx: Context, addr: bytes) -> None:
        """reputation BalanceHook: settle at the old balance before it changes."""
        self._settle(ctx, addr)

    def _settle(self, ctx: Context, addr: bytes) -> Member:
        index = self.state(ctx).index
        member = self.member(ctx, addr)
        if member is not None and member.snapshot == index:
            return member
        earned = 0 if member is None else accrual(self._reputation.balance(ctx, addr), index, member.snapshot)
        settled = Member(snapshot=index, accrued=(0 if member is None else member.accrued) + earned)
        self._store(ctx).set(_MEMBER + addr, codec.dumps(settled))
        return settled

    def claimable(self, ctx: Context, addr: bytes) -> int:
        """Whole tokens ``addr`` could claim now."""
        member = self.member(ctx, addr)
        if member is None:
            return 0
        index = self.state(ctx).index
        accrued = member.accrued + accrual(self._reputation.balance(ctx, addr), index, member.snapshot)
        return whole_tokens(accrued)[0]

    def claim(self, ctx: Context, addr: bytes) -> int:
        """Pay ``addr``'s whole tokens of salary to their bank balance; the dust stays accrued."""
        member = self._settle(ctx, addr)
        tokens, kept = whole_tokens(member.accrued)
        ensure(tokens > 0, ERR_NOTHING_TO_CLAIM(f"{to_bech32(addr)} has accrued less than one whole token"))
        self._store(ctx).set(_MEMBER + addr, codec.dumps(Member(snapshot=member.snapshot, accrued=kept)))
        state = self.state(ctx)
        self._set_state(ctx, SalaryState(state.index, state.remainder, state.received, state.paid + tokens))
        self._bank.send(ctx, self.account, addr, tokens)
        ctx.emit("salary.claim", member=to_bech32(addr), amount=tokens)
        return tokens
