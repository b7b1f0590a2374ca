"""What the ``bpdao tx|query`` CLI tests share: a recording client in place of the node, a runner that
returns the command's JSON output, and a check of the signed tx the client received."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from abci_app.cli import msg_tx
from abci_app.cli.main import main
from abci_app.rpc.client import Account, BroadcastResult, Status, TxResult
from abci_app.txcodec import decode_tx, verify_signature
from modules.core.address import to_bech32

CHAIN = "cli-chain"


class RecordingClient:
    """A node at height 5 on CHAIN whose accounts are at nonce 7 and whose min fee is 3; it records the
    txs broadcast and the queries asked, and answers every query with ``answer``."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.txs: list[bytes] = []
        self.queries: list[tuple[str, dict[str, Any]]] = []

    def status(self) -> Status:
        return Status(CHAIN, 5, b"\x00" * 32, 5, False, "node")

    def account(self, address: bytes) -> Account:
        return Account(to_bech32(address), 100, 7, b"", 5, next_nonce=9)  # two txs pending

    def params(self) -> dict[str, Any]:
        return {"auth": {"min_fee": 3}}

    def broadcast(self, tx: bytes, wait: bool = True) -> BroadcastResult:
        self.txs.append(tx)
        ok = TxResult(0, "", "")
        return BroadcastResult(b"\xab" * 32, ok, wait, 6 if wait else 0, ok if wait else None)

    def query(self, path: str, **args: Any) -> Any:
        self.queries.append((path, args))
        return self.answer


def install_recording_client(monkeypatch: pytest.MonkeyPatch, answer: dict[str, Any]) -> RecordingClient:
    """Make every CLI command talk to a new :class:`RecordingClient`."""
    recorder = RecordingClient(answer)

    @contextmanager
    def fake_client_of(args: Any) -> Iterator[RecordingClient]:
        yield recorder

    monkeypatch.setattr(msg_tx, "client_of", fake_client_of)
    return recorder


def run_cli(
    capsys: pytest.CaptureFixture[str], home: str, argv: tuple[str, ...], keyring: bool
) -> tuple[int, Any]:
    """Run ``bpdao <argv>`` with JSON output: (exit code, parsed output or None). Commands that read the
    keyring get ``--keyring-backend test`` (the home has no config: the default is "file")."""
    backend = ["--keyring-backend", "test"] if keyring else []
    code = main([*argv, "--home", home, *backend, "--output", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def sent_msgs(client: RecordingClient, signer: bytes) -> tuple[Any, ...]:
    """The messages of the last tx broadcast, checking its signature, signer, chain, nonce and fee."""
    tx = decode_tx(client.txs[-1], 1 << 16)
    assert verify_signature(tx) and tx.signer == signer
    assert (tx.chain_id, tx.nonce, tx.fee) == (CHAIN, 9, 3)  # status, the next nonce, the min fee
    return tx.msgs
