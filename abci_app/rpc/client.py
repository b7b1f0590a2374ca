"""Typed Python client of the ``bpdao.v1.Node`` gRPC service.

with BpdaoClient("127.0.0.1:9090") as client:
    result = client.broadcast(tx_bytes, wait=True)
    print(client.account("bpdao1…").balance)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import grpc

from abci_app.pb.bpdao.v1 import query_pb2 as pb
from abci_app.pb.bpdao.v1 import query_pb2_grpc as pb_grpc
from modules.core.address import to_bech32


class BpdaoError(Exception):
    """A call failed; ``status`` is the gRPC status code name (e.g. ``UNAVAILABLE``)."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class TxResult:
    code: int
    codespace: str
    log: str

    @property
    def ok(self) -> bool:
        return self.code == 0


@dataclass(frozen=True)
class BroadcastResult:
    hash: bytes
    check: TxResult
    committed: bool
    height: int
    deliver: TxResult | None

    @property
    def ok(self) -> bool:
        """Passed CheckTx and, if it was waited for, succeeded in its block."""
        return self.check.ok and (self.deliver is None or self.deliver.ok)


@dataclass(frozen=True)
class Account:
    address: str
    balance: int
    nonce: int  # at the committed height
    pub_key: bytes
    height: int
    next_nonce: int  # for the next tx: after the txs the node's mempool accepted from it


@dataclass(frozen=True)
class Status:
    chain_id: str
    app_height: int
    app_hash: bytes
    node_height: int  # -1 when the node's RPC is unreachable
    node_catching_up: bool
    node_id: str


def _tx_result(msg: pb.TxResult) -> TxResult:
    return TxResult(int(msg.code), str(msg.codespace), str(msg.log))


class BpdaoClient:
    def __init__(self, address: str, timeout: float = 10.0) -> None:
        self.address = address
        self.timeout = timeout
        self._channel = grpc.insecure_channel(address)
        self._stub = pb_grpc.NodeStub(self._channel)

    def __enter__(self) -> BpdaoClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def _call(self, method: str, request: Any, timeout: float | None = None) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=timeout or self.timeout)
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else None
            details = exc.details() if hasattr(exc, "details") else str(exc)
            name = code.name if code is not None else "UNKNOWN"
            if name == "UNAVAILABLE" and "failed to connect" in (details or "").lower():
                details = f"no bpdao gRPC server answering at {self.address}: is the node running?"
            raise BpdaoError(name, details or "") from None

    def broadcast(self, tx: bytes, wait: bool = True, timeout: float = 30.0) -> BroadcastResult:
        """Submit a signed tx; with ``wait`` returns once it is in a block (or raises on timeout)."""
        reply = self._call("BroadcastTx", pb.BroadcastTxRequest(tx=tx, wait_for_commit=wait), timeout)
        return BroadcastResult(
            hash=bytes(reply.hash),
            check=_tx_result(reply.check),
            committed=bool(reply.committed),
            height=int(reply.height),
            deliver=_tx_result(reply.deliver) if reply.committed else None,
        )

    def account(self, address: str | bytes) -> Account:
        text = to_bech32(address) if isinstance(address, bytes) else address
        reply = self._call("Account", pb.AccountRequest(address=text))
        return Account(
            str(reply.address),
            int(reply.balance or 0),
            int(reply.nonce),
            bytes(reply.pub_key),
            int(reply.height),
            int(reply.next_nonce),
        )

    def params(self) -> dict[str, Any]:
        reply = self._call("Params", pb.ParamsRequest())
        params: dict[str, Any] = json.loads(reply.json)
        return params

    def status(self) -> Status:
        reply = self._call("Status", pb.StatusRequest())
        return Status(
            str(reply.chain_id),
            int(reply.app_height),
            bytes(reply.app_hash),
            int(reply.node_height),
            bool(reply.node_catching_up),
            str(reply.node_id),
        )

    def query(self, path: str, **args: Any) -> Any:
        """A module query by path, e.g. ``client.query("/bank/balance", address="bpdao1…")``."""
        reply = self._call("Query", pb.QueryRequest(path=path, json=json.dumps(args)))
        return json.loads(reply.json) if reply.json else None
