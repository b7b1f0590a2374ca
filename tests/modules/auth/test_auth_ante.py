"""The ante check: pre-state (accounts, balances) -> ante(pub_key, nonce, fee, memo) -> post-state."""

from __future__ import annotations

import pytest
from nacl.signing import SigningKey

from modules.auth.errors import (
    ERR_CANNOT_PAY_FEE,
    ERR_FEE_TOO_LOW,
    ERR_MEMO_TOO_LONG,
    ERR_PUBKEY_MISMATCH,
    ERR_WRONG_NONCE,
)
from modules.auth.keeper import min_tx_fee
from modules.auth.module import AuthModule
from modules.auth.types import Account, AuthParams
from modules.bank.errors import ERR_INSUFFICIENT_FUNDS
from modules.bank.keeper import FEE_COLLECTOR, module_address
from modules.bank.module import BankModule
from modules.bank.types import MsgSend
from modules.core.address import address_from_pubkey
from modules.core.context import BlockInfo, Context
from modules.core.errors import ErrorCode, TxError
from modules.core.store import MemoryStore

PK = bytes(SigningKey(bytes([9]) * 32).verify_key)
ME = address_from_pubkey(PK)
OTHER_PK = bytes(SigningKey(bytes([8]) * 32).verify_key)
FEES = module_address(FEE_COLLECTOR)
BOB = bytes([2]) * 20


def _setup(
    balance: int, account: Account | None = None, params: AuthParams | None = None
) -> tuple[AuthModule, BankModule, Context, MemoryStore]:
    bank = BankModule()
    auth = AuthModule(bank.keeper, FEES)
    store = MemoryStore()
    ctx = Context(root=store, block=BlockInfo(height=1, time_ns=0, chain_id="t"))
    bank.keeper.set_genesis(ctx, [(ME, balance)] if balance else [])
    if account is not None:
        auth.keeper.set_account(ctx, account)
    if params is not None:
        auth.keeper.set_params(ctx, params)
    return auth, bank, ctx, store


@pytest.mark.parametrize(
    ("balance", "account", "nonce", "fee", "post_nonce", "post_balance"),
    [
        (10, None, 0, 1, 1, 9),  # first tx creates the account
        (10, Account(ME, PK, 4), 4, 3, 5, 7),
        (10, Account(ME, b"", 0), 0, 10, 1, 0),  # genesis account without a key learns it
    ],
)
def test_ante_charges_fee_and_bumps_nonce(
    balance: int, account: Account | None, nonce: int, fee: int, post_nonce: int, post_balance: int
) -> None:
    auth, bank, ctx, _ = _setup(balance, account)
    auth.keeper.ante(ctx, PK, nonce, fee)
    assert auth.keeper.account(ctx, ME) == Account(ME, PK, post_nonce)
    assert bank.keeper.balance(ctx, ME) == post_balance
    assert bank.keeper.balance(ctx, FEES) == fee
    assert bank.keeper.supply(ctx) == balance


@pytest.mark.parametrize(
    ("balance", "account", "nonce", "fee", "memo", "error", "detail"),
    [
        (10, None, 1, 1, "", ERR_WRONG_NONCE, "expected 0, got 1"),
        (10, Account(ME, PK, 4), 3, 1, "", ERR_WRONG_NONCE, "expected 4, got 3"),  # replay
        (10, Account(ME, PK, 4), 5, 1, "", ERR_WRONG_NONCE, "expected 4, got 5"),
        (10, None, 0, 0, "", ERR_FEE_TOO_LOW, "0 < min 1"),
        (10, None, 0, 11, "", ERR_CANNOT_PAY_FEE, "fee 11, balance 10"),
        (0, None, 0, 1, "", ERR_CANNOT_PAY_FEE, "fee 1, balance 0"),
        (10, None, 0, 1, "x" * 257, ERR_MEMO_TOO_LONG, "257 bytes > max 256"),
        (10, None, 0, 1, "é" * 129, ERR_MEMO_TOO_LONG, "258 bytes"),  # counted in UTF-8 bytes
        (10, Account(ME, OTHER_PK, 0), 0, 1, "", ERR_PUBKEY_MISMATCH, ""),
    ],
)
def test_ante_refusals_change_nothing(
    balance: int, account: Account | None, nonce: int, fee: int, memo: str, error: ErrorCode, detail: str
) -> None:
    # A stored key that differs from the signer's cannot arise from txs (address = hash of key);
    # the mismatch row writes one directly to prove the check exists.
    auth, _, ctx, store = _setup(balance, None)
    if account is not None:
        store.set(
            b"auth/a/" + ME, bytes([len(account.pub_key)]) + account.pub_key + str(account.nonce).encode()
        )
    before = store.items()
    with pytest.raises(TxError) as exc:
        auth.keeper.ante(ctx, PK, nonce, fee, memo)
    assert (exc.value.codespace, exc.value.code) == ("auth", error.code)
    assert detail in exc.value.message
    assert store.items() == before


def test_memo_at_the_limit_passes() -> None:
    auth, _, ctx, _ = _setup(10)
    auth.keeper.ante(ctx, PK, 0, 1, "x" * 256)


def test_params_from_state_are_used() -> None:
    auth, _, ctx, _ = _setup(10, params=AuthParams(max_tx_bytes=1000, min_fee=5, max_memo_bytes=0))
    with pytest.raises(TxError) as exc:
        auth.keeper.ante(ctx, PK, 0, 4)
    assert exc.value.code == ERR_FEE_TOO_LOW.code
    with pytest.raises(TxError) as exc:
        auth.keeper.ante(ctx, PK, 0, 5, "m")
    assert exc.value.code == ERR_MEMO_TOO_LONG.code
    auth.keeper.ante(ctx, PK, 0, 5)


def test_min_fee_is_per_message() -> None:
    # A batch of messages pays what the messages would pay one by one: only the signature is shared.
    auth, bank, ctx, store = _setup(100, params=AuthParams(min_fee=2))
    before = store.items()
    with pytest.raises(TxError) as exc:
        auth.keeper.ante(ctx, PK, 0, 5, msg_count=3)
    assert exc.value.code == ERR_FEE_TOO_LOW.code
    assert exc.value.message == "fee below minimum: 5 < min 6 (2 per message x 3)"
    assert store.items() == before
    auth.keeper.ante(ctx, PK, 0, 6, msg_count=3)
    assert bank.keeper.balance(ctx, FEES) == 6
    assert min_tx_fee(AuthParams(min_fee=2), 0) == 2  # never below one message's fee


def test_fee_and_nonce_stand_when_a_message_fails() -> None:
    # The app's order: ante in the tx context, then the messages in a branch dropped on TxError.
    auth, bank, ctx, _ = _setup(10)
    auth.keeper.ante(ctx, PK, 0, 2)
    branch = ctx.branch()
    with pytest.raises(TxError) as exc:
        bank.msg_handlers()[MsgSend](branch, ME, MsgSend(to=BOB, amount=9))  # 8 left after the fee
    assert exc.value.code == ERR_INSUFFICIENT_FUNDS.code
    assert auth.keeper.account(ctx, ME) == Account(ME, PK, 1)
    assert bank.keeper.balance(ctx, ME) == 8
    assert bank.keeper.balance(ctx, FEES) == 2
    assert bank.keeper.balance(ctx, BOB) == 0


def test_a_transfer_is_a_handful_of_store_operations() -> None:
    class CountingStore(MemoryStore):
        ops = 0

        def get(self, key: bytes) -> bytes | None:
            CountingStore.ops += 1
            return super().get(key)

        def set(self, key: bytes, value: bytes) -> None:
            CountingStore.ops += 1
            super().set(key, value)

    bank = BankModule()
    store = CountingStore({b"bank/b/" + ME: b"10", b"bank/supply": b"10"})
    ctx = Context(root=store, block=BlockInfo(height=1, time_ns=0, chain_id="t"))
    bank.msg_handlers()[MsgSend](ctx, ME, MsgSend(to=BOB, amount=3))
    assert CountingStore.ops == 4  # read both balances, write both
