"""The salary keeper (docs/spec.md §7).

Conservation (tested): ``bank(account) * SCALE == Σ accrued + Σ balance * (index - snapshot) + remainder``.
"""

from __future__ import annotations

import functools

from modules.core.address import to_bech32
from modules.core.collections import UINT, Item
from modules.core.context import Context
from modules.core.errors import GenesisError
from modules.core.store import KVStore, StoreKey, prefix_end
from modules.salary.deps import Bank, Reputation
from modules.salary.errors import ERR_NOTHING_TO_CLAIM
from modules.salary.index import accrual, advance, whole_tokens
from modules.salary.types import SCALE, Member, SalaryState

# Event attributes show bech32 (slow in pure Python) and addresses repeat.
_bech32 = functools.lru_cache(maxsize=16384)(to_bech32)
_MEMBER = b"m/"  # m/<addr> -> b"<snapshot>:<accrued>"


def _encode_member(member: Member) -> bytes:
    return b"%d:%d" % (member.snapshot, member.accrued)


def _decode_member(raw: bytes) -> Member:
    snapshot, accrued = raw.split(b":")
    return Member(snapshot=int(snapshot), accrued=int(accrued))


class SalaryKeeper:
    def __init__(
        self, key: StoreKey, *, account: bytes, fee_collector: bytes, bank: Bank, reputation: Reputation
    ) -> None:
        self._key = key
        # Each number under its own key, as decimal ASCII: settlement reads only the index (hot path).
        self._index = Item(key, b"index", UINT, 0)
        self._remainder = Item(key, b"remainder", UINT, 0)
        self._received = Item(key, b"received", UINT, 0)
        self._paid = Item(key, b"paid", UINT, 0)
        self.account = account  # the salary module account: holds every token not yet claimed
        self.fee_collector = fee_collector  # where auth collects tx fees; swept in end_block
        self._bank = bank
        self._reputation = reputation

    def _store(self, ctx: Context) -> KVStore:
        return ctx.store(self._key)

    def state(self, ctx: Context) -> SalaryState:
        return SalaryState(
            index=self._index.get(ctx),
            remainder=self._remainder.get(ctx),
            received=self._received.get(ctx),
            paid=self._paid.get(ctx),
        )

    def index(self, ctx: Context) -> int:
        return self._index.get(ctx)

    def member(self, ctx: Context, addr: bytes) -> Member | None:
        raw = self._store(ctx).get(_MEMBER + addr)
        return None if raw is None else _decode_member(raw)

    def members(self, ctx: Context) -> list[tuple[bytes, Member]]:
        """Every member record, ascending address (audits and tests; never on a block's path)."""
        store = self._store(ctx)
        return [
            (k[len(_MEMBER) :], _decode_member(v)) for k, v in store.iterate(_MEMBER, prefix_end(_MEMBER))
        ]

    # -- genesis -------------------------------------------------------------------------

    def restore(self, ctx: Context, state: SalaryState, members: list[tuple[bytes, Member]]) -> None:
        """Genesis (after reputation's, whose mints recorded each holder at index 0): the exported
        totals and members; a holder the export does not list starts earning at ``state.index``."""
        if state.received:  # the first distribution stores index, remainder and received together
            self._index.set(ctx, state.index)
            self._remainder.set(ctx, state.remainder)
            self._received.set(ctx, state.received)
        if state.paid:
            self._paid.set(ctx, state.paid)
        listed = dict(members)
        for addr, member in self.members(ctx):
            if addr not in listed and member.snapshot != state.index:
                self._store(ctx).set(_MEMBER + addr, _encode_member(Member(state.index, member.accrued)))
        for addr, member in members:
            self._store(ctx).set(_MEMBER + addr, _encode_member(member))
        self._check_backed(ctx)

    def _check_backed(self, ctx: Context) -> None:
        """Genesis: the account (bank's section) holds exactly what members are owed plus the
        undistributed remainder: ``bank * SCALE == Σ accrued + Σ balance * (index - snapshot) +
        remainder``."""
        index = self.index(ctx)
        owed = self._remainder.get(ctx)
        for addr, member in self.members(ctx):
            owed += member.accrued + accrual(self._reputation.balance(ctx, addr), index, member.snapshot)
        held = self._bank.balance(ctx, self.account) * SCALE
        if held != owed:
            raise GenesisError(f"salary: members are owed {owed} index units, its account holds {held}")

    # -- distribution --------------------------------------------------------------------

    def distribute(self, ctx: Context, amount: int) -> None:
        """Pay ``amount`` tokens (already in the salary account) to REP holders pro rata. O(1)."""
        assert amount >= 0
        state = self.state(ctx)
        index, remainder = advance(state.index, state.remainder, amount, self._reputation.supply(ctx))
        self._index.set(ctx, index)
        self._remainder.set(ctx, remainder)
        self._received.set(ctx, state.received + amount)
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
        index = self.index(ctx)
        member = self.member(ctx, addr)
        if member is not None and member.snapshot == index:
            return member
        earned = 0 if member is None else accrual(self._reputation.balance(ctx, addr), index, member.snapshot)
        settled = Member(snapshot=index, accrued=(0 if member is None else member.accrued) + earned)
        self._store(ctx).set(_MEMBER + addr, _encode_member(settled))
        return settled

    def claimable(self, ctx: Context, addr: bytes) -> int:
        """Whole tokens ``addr`` could claim now."""
        member = self.member(ctx, addr)
        if member is None:
            return 0
        index = self.index(ctx)
        accrued = member.accrued + accrual(self._reputation.balance(ctx, addr), index, member.snapshot)
        return whole_tokens(accrued)[0]

    def claim(self, ctx: Context, addr: bytes) -> int:
        """Pay ``addr``'s whole tokens of salary to their bank balance; the dust stays accrued."""
        member = self._settle(ctx, addr)
        tokens, kept = whole_tokens(member.accrued)
        if tokens <= 0:
            raise ERR_NOTHING_TO_CLAIM(f"{to_bech32(addr)} has accrued less than one whole token")
        self._store(ctx).set(_MEMBER + addr, _encode_member(Member(snapshot=member.snapshot, accrued=kept)))
        self._paid.set(ctx, self._paid.get(ctx) + tokens)
        self._bank.send(ctx, self.account, addr, tokens)
        ctx.emit("salary.claim", member=_bech32(addr), amount=tokens)
        return tokens
