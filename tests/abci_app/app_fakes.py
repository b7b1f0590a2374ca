"""Test-only stand-ins for the tx codec and small auth/bank modules, so the ABCI app can be
driven with real ed25519 signatures without depending on the production modules.

Tx wire format (tests only): JSON ``{"body": hex, "pub_key": hex, "sig": hex}`` where body is
canonical JSON ``{"chain_id", "nonce", "fee", "msgs": [[kind, {fields}], ...]}``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from abci_app.app import Application
from abci_app.execution import DecodedTx
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.wiring import Wiring, wire
from modules.core.address import address_from_pubkey
from modules.core.codec import int_bytes, read_int
from modules.core.context import Context
from modules.core.errors import ErrorCode, GenesisError, TxError, ensure
from modules.core.module import Module, MsgHandler, QueryError, QueryHandler
from modules.core.store import StoreKey

CHAIN_ID = "test-chain"
SIGN_PREFIX = b"test/tx\x00"
MIN_FEE = 10
MAX_TX_BYTES = 64 * 1024
FEE_COLLECTOR = b"\xfe" * 20
GENESIS_TIME_S = 1_700_000_000

ERR_DECODE = ErrorCode("tx", 1, "cannot decode tx")
ERR_TOO_LARGE = ErrorCode("tx", 2, "tx too large")
ERR_NONCE = ErrorCode("auth", 3, "wrong nonce")
ERR_FEE = ErrorCode("auth", 4, "fee too low")
ERR_FUNDS = ErrorCode("bank", 2, "insufficient funds")


@dataclass(frozen=True)
class Send:
    to: bytes
    amount: int


@dataclass(frozen=True)
class Fail:
    """A message whose handler writes, then breaks a rule with ``code``."""

    code: int


@dataclass(frozen=True)
class Boom:
    """A message whose handler has a bug (raises a non-TxError exception)."""


_MSG_KINDS: dict[str, type] = {"send": Send, "fail": Fail, "boom": Boom}


@dataclass(frozen=True)
class FakeTx:
    pub_key: bytes
    signer: bytes
    chain_id: str
    nonce: int
    fee: int
    msgs: tuple[Any, ...]
    body: bytes
    signature: bytes
    memo: str = ""


def _msg_json(msg: Any) -> list[Any]:
    kind = next(k for k, t in _MSG_KINDS.items() if isinstance(msg, t))
    fields = {k: (v.hex() if isinstance(v, bytes) else v) for k, v in vars(msg).items()}
    return [kind, fields]


def encode_tx(
    key: SigningKey, nonce: int, msgs: Sequence[Any], fee: int = MIN_FEE, chain_id: str = CHAIN_ID
) -> bytes:
    body = json.dumps(
        {"chain_id": chain_id, "nonce": nonce, "fee": fee, "msgs": [_msg_json(m) for m in msgs]},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    sig = key.sign(SIGN_PREFIX + body).signature
    envelope = {"body": body.hex(), "pub_key": key.verify_key.encode().hex(), "sig": sig.hex()}
    return json.dumps(envelope, sort_keys=True).encode()


def resign(raw: bytes, key: SigningKey) -> bytes:
    """The same tx with a signature by ``key`` over the original body but the original pub_key."""
    envelope = json.loads(raw)
    envelope["sig"] = key.sign(SIGN_PREFIX + bytes.fromhex(envelope["body"])).signature.hex()
    return json.dumps(envelope, sort_keys=True).encode()


class FakeCodec:
    """Counts decodes and signature checks so tests can see the cache at work, and records the
    threads that checked signatures (the app checks them on worker threads too)."""

    def __init__(self) -> None:
        self.decodes = 0
        self.verifies = 0
        self.verify_threads: set[str] = set()
        self._lock = threading.Lock()

    def decode(self, raw: bytes, max_tx_bytes: int) -> DecodedTx:
        self.decodes += 1
        ensure(len(raw) <= max_tx_bytes, ERR_TOO_LARGE(f"{len(raw)} > {max_tx_bytes}"))
        try:
            envelope = json.loads(raw)
            body = bytes.fromhex(envelope["body"])
            fields = json.loads(body)
            msgs = []
            for kind, msg_fields in fields["msgs"]:
                cls = _MSG_KINDS[kind]
                if cls is Send:
                    msgs.append(Send(to=bytes.fromhex(msg_fields["to"]), amount=int(msg_fields["amount"])))
                else:
                    msgs.append(cls(**msg_fields))
            pub_key = bytes.fromhex(envelope["pub_key"])
            return FakeTx(
                pub_key=pub_key,
                signer=address_from_pubkey(pub_key),
                chain_id=str(fields["chain_id"]),
                nonce=int(fields["nonce"]),
                fee=int(fields["fee"]),
                msgs=tuple(msgs),
                body=body,
                signature=bytes.fromhex(envelope["sig"]),
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as err:
            raise ERR_DECODE(type(err).__name__) from None

    def verify(self, tx: DecodedTx) -> bool:
        assert isinstance(tx, FakeTx)
        with self._lock:
            self.verifies += 1
            self.verify_threads.add(threading.current_thread().name)
        try:
            VerifyKey(tx.pub_key).verify(SIGN_PREFIX + tx.body, tx.signature)
        except (BadSignatureError, ValueError):
            return False
        return True


class FakeBank(Module):
    name = "bank"
    _key = StoreKey("bank")

    def balance(self, ctx: Context, addr: bytes) -> int:
        return read_int(ctx.store(self._key).get(b"bal/" + addr))

    def supply(self, ctx: Context) -> int:
        return sum(read_int(v) for _, v in ctx.store(self._key).iterate(b"bal/", b"bal0"))

    def send(self, ctx: Context, sender: bytes, recipient: bytes, amount: int) -> None:
        have = self.balance(ctx, sender)
        ensure(have >= amount, ERR_FUNDS(f"need {amount}, have {have}"))
        store = ctx.store(self._key)
        store.set(b"bal/" + sender, int_bytes(have - amount))
        store.set(b"bal/" + recipient, int_bytes(self.balance(ctx, recipient) + amount))
        ctx.emit("transfer", sender=sender.hex(), recipient=recipient.hex(), amount=amount)

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        for addr, amount in section.get("balances", {}).items():
            try:
                ok = len(bytes.fromhex(addr)) == 20 and isinstance(amount, int) and amount >= 0
            except ValueError:
                ok = False
            if not ok:
                raise GenesisError(f"bank.balances.{addr}: bad entry")

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        for addr, amount in sorted(section.get("balances", {}).items()):
            ctx.store(self._key).set(b"bal/" + bytes.fromhex(addr), int_bytes(amount))

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        return {Send: self._handle_send, Fail: self._handle_fail, Boom: self._handle_boom}

    def _handle_send(self, ctx: Context, signer: bytes, msg: Send) -> None:
        self.send(ctx, signer, msg.to, msg.amount)

    def _handle_fail(self, ctx: Context, signer: bytes, msg: Fail) -> None:
        ctx.store(self._key).set(b"scratch", b"written before the failure")
        raise TxError("fake", msg.code, "told to fail")

    def _handle_boom(self, ctx: Context, signer: bytes, msg: Boom) -> None:
        raise RuntimeError("handler bug")

    def queries(self) -> Mapping[str, QueryHandler]:
        return {"balance": self._query_balance, "boom": self._query_boom}

    def _query_boom(self, ctx: Context, args: Mapping[str, Any]) -> Any:
        raise RuntimeError("query handler bug")

    def _query_balance(self, ctx: Context, args: Mapping[str, Any]) -> Any:
        try:
            addr = bytes.fromhex(args["address"])
        except (KeyError, ValueError, TypeError):
            raise QueryError("address: 40 hex digits required") from None
        return {"amount": self.balance(ctx, addr)}


class FakeAuth(Module):
    """Nonce check and bump first, then the fee: a fee failure must undo the bump."""

    name = "auth"
    _key = StoreKey("auth")

    def __init__(self, bank: FakeBank) -> None:
        self._bank = bank

    def nonce(self, ctx: Context, addr: bytes) -> int:
        return read_int(ctx.store(self._key).get(addr))

    def ante(self, ctx: Context, tx: DecodedTx) -> None:
        expected = self.nonce(ctx, tx.signer)
        ensure(tx.nonce == expected, ERR_NONCE(f"expected {expected}, got {tx.nonce}"))
        ctx.store(self._key).set(tx.signer, int_bytes(expected + 1))
        ensure(tx.fee >= MIN_FEE, ERR_FEE(f"{tx.fee} < {MIN_FEE}"))
        self._bank.send(ctx, tx.signer, FEE_COLLECTOR, tx.fee)

    def queries(self) -> Mapping[str, QueryHandler]:
        return {"nonce": lambda ctx, args: {"nonce": self.nonce(ctx, bytes.fromhex(args["address"]))}}


@dataclass
class BlockHooks(Module):
    """Emits begin/end events; with ``write_every_block`` also writes in end_block."""

    name = "hooks"
    write_every_block: bool = False
    _key: StoreKey = field(default=StoreKey("hooks"))

    def begin_block(self, ctx: Context) -> None:
        ctx.emit("begin", height=ctx.block.height)

    def end_block(self, ctx: Context) -> None:
        ctx.emit("end", height=ctx.block.height)
        if self.write_every_block:
            ctx.store(self._key).set(b"last", int_bytes(ctx.block.height))


def fake_wiring(write_every_block: bool = False) -> Wiring:
    bank = FakeBank()
    auth = FakeAuth(bank)
    modules: list[Module] = [auth, bank, BlockHooks(write_every_block=write_every_block)]
    return wire(modules, ante=auth.ante, max_tx_bytes=lambda ctx: MAX_TX_BYTES)


# --- driving the app with protobuf requests ---


def addr_of(key: SigningKey) -> bytes:
    return address_from_pubkey(key.verify_key.encode())


def keys(n: int) -> list[SigningKey]:
    return [SigningKey(bytes([i + 1]) * 32) for i in range(n)]


def timestamp(height: int) -> Timestamp:
    return Timestamp(seconds=GENESIS_TIME_S + height, nanos=500)


def new_app(data_dir: Any, codec: FakeCodec | None = None, **kwargs: Any) -> Application:
    write_every_block = kwargs.pop("write_every_block", False)
    return Application(data_dir, fake_wiring(write_every_block), codec=codec or FakeCodec(), **kwargs)


def init_chain(
    app: Application, balances: Mapping[bytes, int], initial_height: int = 1, with_hooks: bool = True
) -> bytes:
    state: dict[str, Any] = {
        "chain_id": CHAIN_ID,
        "auth": {},
        "bank": {"balances": {a.hex(): v for a, v in balances.items()}},
    }
    if with_hooks:
        state["hooks"] = {}
    res = app.init_chain(
        abci.RequestInitChain(
            chain_id=CHAIN_ID,
            time=timestamp(0),
            initial_height=initial_height,
            app_state_bytes=json.dumps(state).encode(),
        )
    )
    return bytes(res.app_hash)


def finalize(app: Application, height: int, txs: Sequence[bytes]) -> abci.ResponseFinalizeBlock:
    return app.finalize_block(
        abci.RequestFinalizeBlock(
            height=height, time=timestamp(height), txs=txs, proposer_address=b"\x01" * 20
        )
    )


def run_block(app: Application, height: int, txs: Sequence[bytes]) -> abci.ResponseFinalizeBlock:
    res = finalize(app, height, txs)
    app.commit(abci.RequestCommit())
    return res


def check(app: Application, raw: bytes, recheck: bool = False) -> abci.ResponseCheckTx:
    kind = abci.CheckTxType.RECHECK if recheck else abci.CheckTxType.NEW
    return app.check_tx(abci.RequestCheckTx(tx=raw, type=kind))


def query(app: Application, path: str, args: Mapping[str, Any] | None = None) -> abci.ResponseQuery:
    return app.query(
        abci.RequestQuery(path=path, data=json.dumps(args).encode() if args is not None else b"")
    )
