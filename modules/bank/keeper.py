"""bank state: one balance per address, and the total supply.

Store layout (under the ``bank/`` prefix):
- ``b/<20-byte address>`` -> balance, decimal ASCII (absent = 0; a zero balance is deleted)
- ``supply``              -> total supply, decimal ASCII

Invariant: supply == sum of all balances. Only :meth:`BankKeeper.mint` and
:meth:`BankKeeper.burn` change the supply.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator

from modules.bank.errors import ERR_INSUFFICIENT_FUNDS
from modules.core.address import ADDRESS_LEN, to_bech32
from modules.core.codec import int_bytes, read_int
from modules.core.context import Context, Event
from modules.core.store import KVStore, StoreKey

_BALANCE = b"b/"
_SUPPLY = b"supply"

FEE_COLLECTOR = "fee_collector"

# Event attributes show bech32; encoding is slow in pure Python and addresses repeat.
_bech32 = functools.lru_cache(maxsize=16384)(to_bech32)


def module_address(name: str) -> bytes:
    """The keyless account of a module: ``sha256(b"module/" + name)[:20]``."""
    return hashlib.sha256(b"module/" + name.encode()).digest()[:ADDRESS_LEN]


def _check_amount(amount: int) -> None:
    # A negative amount from another module is a bug in that module, not a user error.
    if amount < 0:
        raise ValueError(f"negative amount {amount}")


class BankKeeper:
    """Balances and supply of the native token; the interface other modules call."""

    def __init__(self, key: StoreKey) -> None:
        self._key = key
        self._module_accounts: dict[bytes, str] = {}

    # --- module accounts ---------------------------------------------------------------------

    def register_module_account(self, name: str) -> bytes:
        """Declare a module account (at wiring time). Users cannot send to it with MsgSend."""
        address = module_address(name)
        self._module_accounts[address] = name
        return address

    def is_module_account(self, address: bytes) -> bool:
        return address in self._module_accounts

    # --- reads -----------------------------------------------------------------------------------

    def _store(self, ctx: Context) -> KVStore:
        return ctx.store(self._key)

    def balance(self, ctx: Context, addr: bytes) -> int:
        return read_int(self._store(ctx).get(_BALANCE + addr))

    def supply(self, ctx: Context) -> int:
        return read_int(self._store(ctx).get(_SUPPLY))

    def balances(self, ctx: Context) -> Iterator[tuple[bytes, int]]:
        """All non-zero balances in ascending address order."""
        n = len(_BALANCE)
        for key, value in self._store(ctx).iterate(_BALANCE, b"b0"):  # "0" follows "/"
            yield key[n:], int(value)

    # --- writes ----------------------------------------------------------------------------------

    @staticmethod
    def _set_balance(store: KVStore, addr: bytes, amount: int) -> None:
        if amount:
            store.set(_BALANCE + addr, int_bytes(amount))
        else:
            store.delete(_BALANCE + addr)

    def send(self, ctx: Context, sender: bytes, recipient: bytes, amount: int) -> None:
        """Move ``amount`` from ``sender`` to ``recipient``; bank insufficient-funds TxError if short."""
        self._move(ctx, sender, recipient, amount)
        if not ctx.is_check:  # (built directly, not via ctx.emit: one or more of these per tx)
            attributes = (
                ("sender", _bech32(sender)),
                ("recipient", _bech32(recipient)),
                ("amount", str(amount)),
            )
            ctx.events.append(Event("transfer", attributes))

    def collect_fee(self, ctx: Context, payer: bytes, collector: bytes, amount: int) -> None:
        """A tx's fee, from its signer to the fee collector: a ``send`` whose event is ``fee``
        {payer, amount}, not a ``transfer`` (every tx pays one; the collector is always the same
        account, and ``fee.payer`` finds every tx an account signed)."""
        self._move(ctx, payer, collector, amount)
        if not ctx.is_check:
            ctx.events.append(Event("fee", (("payer", _bech32(payer)), ("amount", str(amount)))))

    def _move(self, ctx: Context, sender: bytes, recipient: bytes, amount: int) -> None:
        # Counter operations, not read-then-write: the same writes, and a tx that only takes from
        # the sender and adds to the recipient does not depend on either balance beyond "enough"
        # (so its effects from CheckTx can stand in a block: modules/core/replay.py).
        _check_amount(amount)
        store = self._store(ctx)
        key = _BALANCE + sender
        enough = read_int(store.get(key)) >= amount if sender == recipient else store.decrease(key, amount)
        if not enough:
            have = read_int(store.get(key))
            raise ERR_INSUFFICIENT_FUNDS(f"{_bech32(sender)} has {have}, needs {amount}")
        if sender != recipient:
            store.increase(_BALANCE + recipient, amount)

    def mint(self, ctx: Context, recipient: bytes, amount: int) -> None:
        """Create ``amount`` new tokens in ``recipient``'s balance (the supply grows)."""
        _check_amount(amount)
        if not amount:
            return
        store = self._store(ctx)
        self._set_balance(store, recipient, read_int(store.get(_BALANCE + recipient)) + amount)
        store.set(_SUPPLY, int_bytes(read_int(store.get(_SUPPLY)) + amount))
        if not ctx.is_check:
            ctx.emit("mint", recipient=_bech32(recipient), amount=amount)

    def burn(self, ctx: Context, holder: bytes, amount: int) -> None:
        """Destroy ``amount`` of ``holder``'s tokens (the supply shrinks); insufficient-funds if short."""
        _check_amount(amount)
        if not amount:
            return
        store = self._store(ctx)
        have = read_int(store.get(_BALANCE + holder))
        if have < amount:
            raise ERR_INSUFFICIENT_FUNDS(f"{_bech32(holder)} has {have}, cannot burn {amount}")
        self._set_balance(store, holder, have - amount)
        store.set(_SUPPLY, int_bytes(read_int(store.get(_SUPPLY)) - amount))
        if not ctx.is_check:
            ctx.emit("burn", holder=_bech32(holder), amount=amount)

    def set_genesis(self, ctx: Context, balances: list[tuple[bytes, int]]) -> None:
        """Write validated genesis balances and their sum as the supply."""
        store = self._store(ctx)
        total = 0
        for addr, amount in balances:
            _check_amount(amount)
            self._set_balance(store, addr, amount)
            total += amount
        store.set(_SUPPLY, int_bytes(total))
