"""The reputation keeper: the only code that changes REP (docs/spec.md §5).

Invariants kept here: ``0 <= encumbered <= balance`` for every address and
``minted - burned == Σ balances`` (the supply). Every balance change first calls the
registered balance hooks, so salary can settle a member at their old balance.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from modules.core import codec
from modules.core.address import ADDRESS_LEN
from modules.core.collections import UINT, Item
from modules.core.context import Context
from modules.core.store import KVStore, StoreKey, prefix_end
from modules.reputation.errors import (
    ERR_BURN_BEYOND_AVAILABLE,
    ERR_INSUFFICIENT_ALLOWANCE,
    ERR_INSUFFICIENT_FREE,
    ERR_INVALID_ADDRESS,
    ERR_INVALID_AMOUNT,
    ERR_RELEASE_BEYOND_ENCUMBERED,
    ERR_SELF_ALLOWANCE,
    ERR_UNBALANCED_REASSIGN,
)
from modules.reputation.types import BalanceHook, Supply

_BALANCE = b"b/"
_ENCUMBERED = b"e/"
_ALLOWANCE = b"a/"


def _check_address(addr: bytes) -> None:
    if not (isinstance(addr, bytes) and len(addr) == ADDRESS_LEN):
        raise ERR_INVALID_ADDRESS(f"{ADDRESS_LEN} bytes expected")


def _check_amount(amount: int) -> None:
    if not (isinstance(amount, int) and not isinstance(amount, bool) and amount >= 0):
        raise ERR_INVALID_AMOUNT(f"{amount!r}")


class ReputationKeeper:
    def __init__(self, key: StoreKey) -> None:
        self._key = key
        # Totals live under "t/", apart from the per-address prefixes.
        self._minted = Item(key, b"t/minted", UINT, 0)
        self._burned = Item(key, b"t/burned", UINT, 0)
        self._hooks: list[BalanceHook] = []

    def add_balance_hook(self, hook: BalanceHook) -> None:
        """Wiring time only: ``hook.before_balance_change`` runs before every balance change."""
        self._hooks.append(hook)

    # -- reads ---------------------------------------------------------------------------

    def _store(self, ctx: Context) -> KVStore:
        return ctx.store(self._key)

    def _read(self, ctx: Context, key: bytes) -> int:
        return codec.read_int(self._store(ctx).get(key))

    def _write(self, ctx: Context, key: bytes, value: int) -> None:
        """A per-address amount (balance, encumbered, allowance)."""
        assert value >= 0, "REP state never goes negative"
        if value == 0:
            self._store(ctx).delete(key)  # absent == 0: state holds only what is non-zero
        else:
            self._store(ctx).set(key, codec.int_bytes(value))

    def balance(self, ctx: Context, addr: bytes) -> int:
        """All REP held by ``addr``, encumbered or not."""
        return self._read(ctx, _BALANCE + addr)

    def encumbered(self, ctx: Context, addr: bytes) -> int:
        return self._read(ctx, _ENCUMBERED + addr)

    def free(self, ctx: Context, addr: bytes) -> int:
        return self.balance(ctx, addr) - self.encumbered(ctx, addr)

    def minted(self, ctx: Context) -> int:
        return self._minted.get(ctx)

    def burned(self, ctx: Context) -> int:
        return self._burned.get(ctx)

    def total_supply(self, ctx: Context) -> int:
        return self.minted(ctx) - self.burned(ctx)

    def supply(self, ctx: Context) -> int:
        return self.total_supply(ctx)

    def supply_record(self, ctx: Context) -> Supply:
        minted, burned = self.minted(ctx), self.burned(ctx)
        return Supply(supply=minted - burned, minted=minted, burned=burned)

    def holders(self, ctx: Context) -> Iterator[tuple[bytes, int, int]]:
        """(address, balance, encumbered) of every holder, ascending address (genesis export, audits)."""
        for key, raw in self._store(ctx).iterate(_BALANCE, prefix_end(_BALANCE)):
            addr = key[len(_BALANCE) :]
            yield addr, codec.read_int(raw), self.encumbered(ctx, addr)

    # -- balance changes -----------------------------------------------------------------

    def _set_balance(self, ctx: Context, addr: bytes, value: int) -> None:
        for hook in self._hooks:
            hook.before_balance_change(ctx, addr)
        self._write(ctx, _BALANCE + addr, value)

    def mint(self, ctx: Context, addr: bytes, amount: int) -> None:
        """Create ``amount`` free REP for ``addr`` (only rules call this: pool outcomes, forum awards)."""
        _check_address(addr)
        _check_amount(amount)
        if amount == 0:
            return
        self._set_balance(ctx, addr, self.balance(ctx, addr) + amount)
        self._minted.set(ctx, self.minted(ctx) + amount)

    def burn_free(self, ctx: Context, addr: bytes, amount: int) -> None:
        """Destroy ``amount`` of ``addr``'s free REP."""
        _check_amount(amount)
        free = self.free(ctx, addr)
        if amount > free:
            raise ERR_BURN_BEYOND_AVAILABLE(f"burn {amount} free REP, free {free}")
        self._burn(ctx, addr, amount)

    def burn_encumbered(self, ctx: Context, addr: bytes, amount: int) -> None:
        """Destroy ``amount`` of ``addr``'s encumbered REP (slashing, binding losses)."""
        _check_amount(amount)
        encumbered = self.encumbered(ctx, addr)
        if amount > encumbered:
            raise ERR_BURN_BEYOND_AVAILABLE(f"burn {amount} encumbered REP, encumbered {encumbered}")
        self._write(ctx, _ENCUMBERED + addr, encumbered - amount)
        self._burn(ctx, addr, amount)

    def _burn(self, ctx: Context, addr: bytes, amount: int) -> None:
        if amount == 0:
            return
        self._set_balance(ctx, addr, self.balance(ctx, addr) - amount)
        self._burned.set(ctx, self.burned(ctx) + amount)

    def transfer_encumbered(self, ctx: Context, sender: bytes, recipient: bytes, amount: int) -> None:
        """Rule-driven move of ``sender``'s encumbered REP to ``recipient`` as free REP (supply unchanged)."""
        self.reassign(ctx, [(sender, amount)], [(recipient, amount)])

    def reassign(
        self, ctx: Context, sources: Sequence[tuple[bytes, int]], recipients: Sequence[tuple[bytes, int]]
    ) -> None:
        """Take encumbered REP from each source and give it to the recipients as free REP.

        Σ taken must equal Σ given: nothing is created or destroyed, so supply is unchanged.
        """
        for addr, amount in (*sources, *recipients):
            _check_address(addr)
            _check_amount(amount)
        taken = sum(amount for _, amount in sources)
        given = sum(amount for _, amount in recipients)
        if taken != given:
            raise ERR_UNBALANCED_REASSIGN(f"taken {taken}, given {given}")
        for addr, amount in sources:
            encumbered = self.encumbered(ctx, addr)
            if amount > encumbered:
                raise ERR_BURN_BEYOND_AVAILABLE(f"take {amount}, encumbered {encumbered}")
            if amount:
                self._write(ctx, _ENCUMBERED + addr, encumbered - amount)
                self._set_balance(ctx, addr, self.balance(ctx, addr) - amount)
        for addr, amount in recipients:
            if amount:
                self._set_balance(ctx, addr, self.balance(ctx, addr) + amount)

    def restore_burned(self, ctx: Context, burned: int) -> None:
        """Genesis only: REP destroyed before an export counts as minted and burned, so the supply
        record reads as on the exporting chain (``minted - burned`` = Σ balances still)."""
        _check_amount(burned)
        if burned:
            self._minted.set(ctx, self.minted(ctx) + burned)
            self._burned.set(ctx, self.burned(ctx) + burned)

    # -- encumbrances --------------------------------------------------------------------

    def encumber(self, ctx: Context, addr: bytes, amount: int) -> None:
        """Lock ``amount`` of ``addr``'s free REP (a stake); the REP stays theirs and earns salary."""
        _check_address(addr)
        _check_amount(amount)
        free = self.free(ctx, addr)
        if amount > free:
            raise ERR_INSUFFICIENT_FREE(f"need {amount}, free {free}")
        self._write(ctx, _ENCUMBERED + addr, self.encumbered(ctx, addr) + amount)

    def release(self, ctx: Context, addr: bytes, amount: int) -> None:
        """Unlock ``amount`` of ``addr``'s encumbered REP."""
        _check_amount(amount)
        encumbered = self.encumbered(ctx, addr)
        if amount > encumbered:
            raise ERR_RELEASE_BEYOND_ENCUMBERED(f"release {amount}, encumbered {encumbered}")
        self._write(ctx, _ENCUMBERED + addr, encumbered - amount)

    # -- delegated staking ---------------------------------------------------------------

    def stake_allowance(self, ctx: Context, owner: bytes, delegate: bytes) -> int:
        return self._read(ctx, _ALLOWANCE + owner + delegate)

    def set_stake_allowance(self, ctx: Context, owner: bytes, delegate: bytes, amount: int) -> None:
        """``owner`` lets ``delegate`` stake up to ``amount`` of their REP (sets, not adds; 0 removes)."""
        _check_address(owner)
        _check_address(delegate)
        _check_amount(amount)
        if owner == delegate:
            raise ERR_SELF_ALLOWANCE()
        self._write(ctx, _ALLOWANCE + owner + delegate, amount)

    def use_allowance(self, ctx: Context, owner: bytes, delegate: bytes, amount: int) -> None:
        """Consume ``amount`` of the allowance ``owner`` gave ``delegate`` (a delegated stake)."""
        _check_amount(amount)
        allowed = self.stake_allowance(ctx, owner, delegate)
        if amount > allowed:
            raise ERR_INSUFFICIENT_ALLOWANCE(f"stake {amount}, allowed {allowed}")
        self._write(ctx, _ALLOWANCE + owner + delegate, allowed - amount)

    def allowances(self, ctx: Context) -> Iterator[tuple[bytes, bytes, int]]:
        for key, raw in self._store(ctx).iterate(_ALLOWANCE, prefix_end(_ALLOWANCE)):
            pair = key[len(_ALLOWANCE) :]
            yield pair[:ADDRESS_LEN], pair[ADDRESS_LEN:], codec.read_int(raw)
