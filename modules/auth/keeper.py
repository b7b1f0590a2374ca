"""auth state: accounts and params, and the ante check every tx passes before its messages.

Store layout (under the ``auth/`` prefix):
- ``a/<20-byte address>`` -> ``len(pub_key) (1 byte) ‖ pub_key ‖ nonce (decimal ASCII)``
- ``params``              -> canonical JSON of :class:`AuthParams` (absent = defaults)
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from modules.auth.deps import BankKeeper
from modules.auth.errors import (
    ERR_CANNOT_PAY_FEE,
    ERR_FEE_TOO_LOW,
    ERR_MEMO_TOO_LONG,
    ERR_PUBKEY_MISMATCH,
    ERR_WRONG_NONCE,
)
from modules.auth.types import MAX_TX_BYTES_CEILING, Account, AuthParams
from modules.core import codec
from modules.core.address import address_from_pubkey
from modules.core.context import Context
from modules.core.errors import TxError
from modules.core.store import KVStore, StoreKey

_ACCOUNT = b"a/"
_PARAMS = b"params"
PUB_KEY_LEN = 32


def encode_account(account: Account) -> bytes:
    return _account_value(account.pub_key, account.nonce)


def _account_value(pub_key: bytes, nonce: int) -> bytes:
    return bytes([len(pub_key)]) + pub_key + codec.int_bytes(nonce)


def decode_account(address: bytes, value: bytes) -> Account:
    n = value[0]
    return Account(address=address, pub_key=value[1 : 1 + n], nonce=int(value[1 + n :]))


def params_problems(params: AuthParams) -> list[tuple[str, str]]:
    """(field, reason) for every out-of-range param; empty when the params are usable."""
    problems = []
    if not 1 <= params.max_tx_bytes <= MAX_TX_BYTES_CEILING:
        problems.append(("max_tx_bytes", f"must be in [1, {MAX_TX_BYTES_CEILING}]"))
    if params.min_fee < 1:
        problems.append(("min_fee", "must be >= 1 (bad input must cost its sender)"))
    if not 0 <= params.max_memo_bytes < params.max_tx_bytes:
        problems.append(("max_memo_bytes", "must be >= 0 and < max_tx_bytes"))
    return problems


@functools.lru_cache(maxsize=8)
def _parse_params(raw: bytes) -> AuthParams:
    # Pure function of the stored bytes: caching cannot make nodes disagree.
    return codec.loads(AuthParams, raw)


def min_tx_fee(params: AuthParams, msg_count: int) -> int:
    """The least fee of a tx carrying ``msg_count`` messages (a tx has at least one)."""
    return params.min_fee * max(msg_count, 1)


def _read_params(store: KVStore) -> AuthParams:
    raw = store.get(_PARAMS)
    return AuthParams() if raw is None else _parse_params(raw)


def _read_account(store: KVStore, addr: bytes) -> Account | None:
    value = store.get(_ACCOUNT + addr)
    return None if value is None else decode_account(addr, value)


class AuthKeeper:
    def __init__(self, key: StoreKey, bank: BankKeeper, fee_collector: bytes) -> None:
        self._key = key
        self._bank = bank
        self._fee_collector = fee_collector

    def _store(self, ctx: Context) -> KVStore:
        return ctx.store(self._key)

    # --- params ----------------------------------------------------------------------------------

    def params(self, ctx: Context) -> AuthParams:
        return _read_params(self._store(ctx))

    def set_params(self, ctx: Context, params: AuthParams) -> None:
        problems = params_problems(params)
        if problems:
            raise ValueError("; ".join(f"{field}: {reason}" for field, reason in problems))
        self._store(ctx).set(_PARAMS, codec.dumps(params))

    # --- accounts --------------------------------------------------------------------------------

    def account(self, ctx: Context, addr: bytes) -> Account | None:
        return _read_account(self._store(ctx), addr)

    def set_account(self, ctx: Context, account: Account) -> None:
        if account.pub_key and address_from_pubkey(account.pub_key) != account.address:
            raise ValueError("account address is not the hash of its public key")
        if account.nonce < 0:
            raise ValueError("negative nonce")
        self._store(ctx).set(_ACCOUNT + account.address, encode_account(account))

    def accounts(self, ctx: Context) -> Iterator[Account]:
        """All accounts in ascending address order."""
        n = len(_ACCOUNT)
        for key, value in self._store(ctx).iterate(_ACCOUNT, b"a0"):  # "0" follows "/"
            yield decode_account(key[n:], value)

    # --- the ante check --------------------------------------------------------------------------

    def ante(
        self,
        ctx: Context,
        pub_key: bytes,
        nonce: int,
        fee: int,
        memo: str = "",
        *,
        signer: bytes | None = None,
        msg_count: int = 1,
    ) -> None:
        """Admit a signed tx: check nonce, memo, fee; charge the fee; bump the nonce.

        The fee must be at least ``min_fee`` per message (``msg_count``): a message costs its
        handler's work whether it comes alone or batched with others, so batching saves the
        signature, not the price of the messages.

        Every check comes before the first write, so a failing ante (auth TxError) changes
        nothing. Run it in the tx's context, before the messages' branch: its effects stand
        even when a message then fails. ``signer``: the address of ``pub_key`` if the caller
        derived it already (the tx codec does; this runs 2-3 times per tx).
        """
        if len(pub_key) != PUB_KEY_LEN:  # txcodec guarantees it; anything else is a caller bug
            raise ValueError(f"public key must be {PUB_KEY_LEN} bytes")
        store = self._store(ctx)
        params = _read_params(store)
        if signer is None:
            signer = address_from_pubkey(pub_key)
        key = _ACCOUNT + signer
        value = store.get(key)
        # (Fields read straight from the stored bytes, explicit ifs rather than ensure(): error
        # texts are built only when a check fails; this is the hottest path of the chain.)
        if value is None:
            expected = 0
        else:
            n = value[0]
            stored_key = value[1 : 1 + n]
            expected = int(value[1 + n :])
            # Same address means same key unless SHA-256 collides; checked all the same.
            if stored_key and stored_key != pub_key:
                raise ERR_PUBKEY_MISMATCH()
        if nonce != expected:
            raise ERR_WRONG_NONCE(f"expected {expected}, got {nonce}")
        if memo:
            memo_bytes = len(memo.encode())
            if memo_bytes > params.max_memo_bytes:
                raise ERR_MEMO_TOO_LONG(f"{memo_bytes} bytes > max {params.max_memo_bytes}")
        if fee < min_tx_fee(params, msg_count):
            detail = f" ({params.min_fee} per message x {msg_count})" if msg_count > 1 else ""
            raise ERR_FEE_TOO_LOW(f"{fee} < min {min_tx_fee(params, msg_count)}{detail}")
        try:
            self._bank.collect_fee(ctx, signer, self._fee_collector, fee)  # checks before it writes
        except TxError:  # its only TxError: the signer holds less than the fee
            raise ERR_CANNOT_PAY_FEE(f"fee {fee}, balance {self._bank.balance(ctx, signer)}") from None
        store.set(key, _account_value(pub_key, nonce + 1))
