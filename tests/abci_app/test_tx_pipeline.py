"""A signed tx through the real pieces in the app's order: decode, chain id, verify, ante, messages.

The app (abci_app/app.py) owns this order; these tests pin what txcodec, auth and bank
guarantee within it, without the ABCI server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from nacl.signing import SigningKey

from abci_app import codec, txcodec
from abci_app.txcodec import TxDecodeError, decode_tx, ensure_chain_id, sign_tx, verify_signature
from modules.auth.errors import ERR_WRONG_NONCE
from modules.auth.module import AuthModule
from modules.bank.errors import ERR_INSUFFICIENT_FUNDS
from modules.bank.keeper import FEE_COLLECTOR, module_address
from modules.bank.module import BankModule
from modules.bank.types import MsgSend
from modules.core.address import address_from_pubkey
from modules.core.context import BlockInfo, Context
from modules.core.errors import TxError
from modules.core.store import MemoryStore

CHAIN = "bpdao-pipe"
SEED = bytes([4]) * 32
ME = address_from_pubkey(bytes(SigningKey(SEED).verify_key))
BOB = bytes([2]) * 20
FEES = module_address(FEE_COLLECTOR)


class Chain:
    def __init__(self, balance: int) -> None:
        self.bank = BankModule()
        self.auth = AuthModule(self.bank.keeper, FEES)
        self.ctx = Context(root=MemoryStore(), block=BlockInfo(height=1, time_ns=0, chain_id=CHAIN))
        self.bank.keeper.set_genesis(self.ctx, [(ME, balance)])
        self.handlers = self.bank.msg_handlers()

    def deliver(self, raw: bytes) -> TxError | None:
        """Returns the error the tx ended with, None on success."""
        params = self.auth.keeper.params(self.ctx)
        try:
            tx = decode_tx(raw, params.max_tx_bytes)
            ensure_chain_id(tx, CHAIN)
            if not verify_signature(tx):
                raise txcodec.ERR_BAD_SIGNATURE()
            tx_ctx = self.ctx.branch()
            self.auth.keeper.ante(tx_ctx, tx.pub_key, tx.nonce, tx.fee, tx.memo)
            tx_ctx.commit()  # fee and nonce stand from here on
            msgs_ctx = self.ctx.branch()
            for msg in tx.msgs:
                self.handlers[type(msg)](msgs_ctx, tx.signer, msg)
            msgs_ctx.commit()
        except TxError as exc:
            return exc
        return None

    def state(self) -> dict[bytes, int]:
        return dict(self.bank.keeper.balances(self.ctx))


def _tx(nonce: int, *msgs: Any, fee: int = 1, chain_id: str = CHAIN) -> bytes:
    return sign_tx(SEED, list(msgs), chain_id=chain_id, nonce=nonce, fee=fee)


def test_send_then_replay_is_refused() -> None:
    chain = Chain(100)
    raw = _tx(0, MsgSend(to=BOB, amount=30))
    assert chain.deliver(raw) is None
    assert chain.state() == {ME: 69, BOB: 30, FEES: 1}
    replay = chain.deliver(raw)
    assert replay is not None and (replay.codespace, replay.code) == ("auth", ERR_WRONG_NONCE.code)
    assert chain.state() == {ME: 69, BOB: 30, FEES: 1}


def test_a_failing_message_still_pays_and_bumps_and_undoes_earlier_messages() -> None:
    chain = Chain(100)
    err = chain.deliver(_tx(0, MsgSend(to=BOB, amount=50), MsgSend(to=BOB, amount=50), fee=2))
    assert err is not None and (err.codespace, err.code) == ("bank", ERR_INSUFFICIENT_FUNDS.code)
    assert chain.state() == {ME: 98, FEES: 2}  # the first send is undone with the second
    acct = chain.auth.keeper.account(chain.ctx, ME)
    assert acct is not None and acct.nonce == 1


def test_tx_for_another_chain_is_refused_before_anything_runs() -> None:
    chain = Chain(100)
    err = chain.deliver(_tx(0, MsgSend(to=BOB, amount=5), chain_id="elsewhere"))
    assert err is not None and (err.codespace, err.code) == ("tx", txcodec.ERR_WRONG_CHAIN_ID.code)
    assert chain.state() == {ME: 100}


def test_tampered_tx_is_refused_before_anything_runs() -> None:
    chain = Chain(100)
    raw = bytearray(_tx(0, MsgSend(to=BOB, amount=5)))
    raw[-1] ^= 1  # last byte of the signature
    err = chain.deliver(bytes(raw))
    assert err is not None and (err.codespace, err.code) == ("tx", txcodec.ERR_BAD_SIGNATURE.code)
    assert chain.state() == {ME: 100}


def test_a_tx_over_the_size_param_is_refused() -> None:
    chain = Chain(100)
    raw = sign_tx(SEED, [MsgSend(to=BOB, amount=1)], chain_id=CHAIN, nonce=0, fee=1, memo="x" * 17000)
    err = chain.deliver(raw)
    assert err is not None and (err.codespace, err.code) == ("tx", txcodec.ERR_TOO_LARGE.code)


@dataclass(frozen=True)
class Picky:
    to: bytes
    amount: int

    def __post_init__(self) -> None:
        if self.amount % 2:
            raise ValueError("amount must be even")


def test_a_dataclass_refusing_its_values_is_a_bad_field(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _tx(0, MsgSend(to=BOB, amount=3))  # encoded with the real registry
    registry = codec.MsgRegistry()
    registry.register("send", Picky)
    monkeypatch.setattr(txcodec, "REGISTRY", registry)
    with pytest.raises(TxDecodeError) as exc:
        decode_tx(raw, 65536)
    assert exc.value.code == txcodec.ERR_BAD_FIELD.code
    assert exc.value.message.endswith("msgs[0]: amount must be even")
