"""A small JSON-RPC client of the local CometBFT node (stdlib only).

Only the calls bpdao needs: status, broadcast_tx_sync, tx, block, abci_info.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


class NodeRpcError(Exception):
    """The node answered with a JSON-RPC error (``code``/``data`` from the node)."""

    def __init__(self, method: str, code: int, message: str, data: str) -> None:
        super().__init__(f"{method}: {message} {data}".strip())
        self.code = code
        self.data = data


class NodeUnreachable(Exception):
    """No answer from the node's RPC address (not running, wrong address, or timed out)."""


@dataclass(frozen=True)
class CheckResult:
    code: int
    codespace: str
    log: str


@dataclass(frozen=True)
class CommittedTx:
    height: int
    code: int
    codespace: str
    log: str


def tx_hash(tx: bytes) -> bytes:
    """CometBFT's tx hash: SHA-256 of the tx bytes."""
    return hashlib.sha256(tx).digest()


def rpc_url(laddr: str) -> str:
    """``tcp://127.0.0.1:26657`` (config.toml form) or ``127.0.0.1:26657`` -> ``http://127.0.0.1:26657``."""
    for prefix in ("tcp://", "http://"):
        if laddr.startswith(prefix):
            return "http://" + laddr[len(prefix) :].rstrip("/")
    return "http://" + laddr.rstrip("/")


class CometRpc:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = rpc_url(url)
        self.timeout = timeout
        self._ids = itertools.count(1)

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        body = json.dumps(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params or {}}
        ).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                reply = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            # CometBFT answers JSON-RPC errors with HTTP 500 and a JSON body.
            try:
                reply = json.loads(exc.read())
            except ValueError:
                raise NodeUnreachable(f"{self.url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise NodeUnreachable(f"cannot reach the node at {self.url}: {exc}") from None
        error = reply.get("error")
        if error:
            raise NodeRpcError(
                method, int(error.get("code", 0)), str(error.get("message", "")), str(error.get("data", ""))
            )
        return reply.get("result")

    # -- typed calls ---------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("status")
        return result

    def latest_height(self) -> int:
        return int(self.status()["sync_info"]["latest_block_height"])

    def broadcast_tx_sync(self, tx: bytes) -> CheckResult:
        result = self.call("broadcast_tx_sync", {"tx": base64.b64encode(tx).decode()})
        return CheckResult(
            int(result.get("code", 0)), str(result.get("codespace", "")), str(result.get("log", ""))
        )

    def tx(self, hash_: bytes) -> CommittedTx | None:
        """The committed tx with this hash, or None if it is not (yet) in a block."""
        try:
            result = self.call("tx", {"hash": base64.b64encode(hash_).decode(), "prove": False})
        except NodeRpcError as exc:
            if "not found" in str(exc):
                return None
            raise
        tx_result = result.get("tx_result", {})
        return CommittedTx(
            int(result["height"]),
            int(tx_result.get("code", 0)),
            str(tx_result.get("codespace", "")),
            str(tx_result.get("log", "")),
        )

    def wait_for_tx(self, hash_: bytes, timeout: float, poll: float = 0.05) -> CommittedTx | None:
        deadline = time.monotonic() + timeout
        while True:
            found = self.tx(hash_)
            if found is not None or time.monotonic() >= deadline:
                return found
            time.sleep(poll)

    def block(self, height: int | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.call("block", None if height is None else {"height": str(height)})
        return result

    def block_app_hash(self, height: int) -> bytes:
        """``Header.AppHash`` of block ``height`` (the app hash after block ``height - 1``)."""
        return bytes.fromhex(self.block(height)["block"]["header"]["app_hash"])

    def abci_info(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("abci_info")["response"]
        return result
