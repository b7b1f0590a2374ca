"""``bpdao tx gov propose`` and ``bpdao query gov …`` against a recording client: the command builds the
right message, signs it with the keyring key, and asks the right query paths."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from abci_app.cli import msg_tx
from abci_app.cli.governance_cmd import parse_change
from abci_app.cli.main import main
from abci_app.cli.output import CliError
from abci_app.rpc.client import Account, BroadcastResult, Status, TxResult
from abci_app.txcodec import decode_tx, verify_signature
from modules.core.address import from_bech32, to_bech32
from modules.governance.types import MsgProposeParamChange, ParamChange

CHAIN = "cli-chain"


class RecordingClient:
    def __init__(self) -> None:
        self.txs: list[bytes] = []
        self.queries: list[tuple[str, dict[str, Any]]] = []

    def status(self) -> Status:
        return Status(CHAIN, 5, b"\x00" * 32, 5, False, "node")

    def account(self, address: bytes) -> Account:
        return Account(to_bech32(address), 100, 7, b"", 5)

    def params(self) -> dict[str, Any]:
        return {"auth": {"min_fee": 3}}

    def broadcast(self, tx: bytes, wait: bool = True) -> BroadcastResult:
        self.txs.append(tx)
        ok = TxResult(0, "", "")
        return BroadcastResult(b"\xab" * 32, ok, wait, 6 if wait else 0, ok if wait else None)

    def query(self, path: str, **args: Any) -> Any:
        self.queries.append((path, args))
        return {"id": 2, "status": "stage1"}


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> RecordingClient:
    recorder = RecordingClient()

    @contextmanager
    def fake_client_of(args: Any) -> Iterator[RecordingClient]:
        yield recorder

    monkeypatch.setattr(msg_tx, "client_of", fake_client_of)
    return recorder


@pytest.fixture
def home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, bytes]:
    """A home whose test keyring holds ``alice``; returns (home, alice's address)."""
    home = str(tmp_path / "h")
    assert (
        main(["keys", "add", "alice", "--home", home, "--keyring-backend", "test", "--output", "json"]) == 0
    )
    alice = from_bech32(json.loads(capsys.readouterr().out)["address"])
    return home, alice


def run(capsys: pytest.CaptureFixture[str], home: str, *argv: str) -> tuple[int, Any]:
    keyring = ["--keyring-backend", "test"] if argv[0] == "tx" else []  # queries read no keyring
    code = main([*argv, "--home", home, *keyring, "--output", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def sent_msgs(client: RecordingClient, signer: bytes) -> tuple[Any, ...]:
    tx = decode_tx(client.txs[-1], 1 << 16)
    assert verify_signature(tx) and tx.signer == signer
    assert (tx.chain_id, tx.nonce, tx.fee) == (CHAIN, 7, 3)  # from status, account and min fee
    return tx.msgs


QUORUM = '{"num":1,"den":5}'


def test_propose_signs_the_changes(
    client: RecordingClient, home: tuple[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "tx", "gov", "propose", "--from", "alice", "4", "120",
        "--change", f"validation_pool.quorum={QUORUM}",
        "--change", "governance.work_contract_version=2",
    ]  # fmt: skip
    code, out = run(capsys, home[0], *argv, "--wait")
    assert code == 0 and out["committed"] is True
    assert out["changes"][0] == {"module": "validation_pool", "key": "quorum", "value_json": QUORUM}
    expected = MsgProposeParamChange(
        post_id=4,
        changes=(
            ParamChange("validation_pool", "quorum", QUORUM),
            ParamChange("governance", "work_contract_version", "2"),
        ),
        fee=120,
    )
    assert sent_msgs(client, home[1]) == (expected,)


@pytest.mark.parametrize(
    "argv",
    [
        ["tx", "gov", "propose", "--from", "alice", "4", "120"],  # no change
        ["tx", "gov", "propose", "--from", "alice", "4", "0", "--change", "forum.depth_limit=2"],
        ["tx", "gov", "propose", "--from", "alice", "4", "120", "--change", "forum.depth_limit"],
        ["tx", "gov", "propose", "--from", "alice", "4", "120", "--change", "depth_limit=2"],
        ["tx", "gov", "propose", "--from", "alice", "4", "120", "--change", "forum.depth_limit={oops"],
    ],
)
def test_bad_arguments_fail_before_anything_is_sent(
    argv: list[str], client: RecordingClient, home: tuple[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(capsys, home[0], *argv)
    assert code != 0 and client.txs == []


def test_parse_change_splits_at_the_first_dot_and_equals() -> None:
    assert parse_change('a.b={"x":"=."}') == ParamChange("a", "b", '{"x":"=."}')
    with pytest.raises(CliError, match=r"expected MODULE\.KEY=JSON"):
        parse_change(".b=1")


@pytest.mark.parametrize(
    ("argv", "path", "args"),
    [
        (["query", "gov", "proposals"], "/governance/proposals", {}),
        (
            ["query", "gov", "proposals", "--status", "scheduled", "--after", "3", "--limit", "5"],
            "/governance/proposals",
            {"status": "scheduled", "after": 3, "limit": 5},
        ),
        (["query", "gov", "proposal", "2"], "/governance/proposal", {"id": 2}),
        (["query", "gov", "scheduled"], "/governance/scheduled", {}),
        (["query", "gov", "governable"], "/governance/governable", {}),
        (["query", "gov", "params"], "/governance/params", {}),
    ],
)
def test_query_commands_ask_the_module_paths(
    argv: list[str],
    path: str,
    args: dict[str, Any],
    client: RecordingClient,
    home: tuple[str, bytes],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run(capsys, home[0], *argv)
    assert code == 0 and out is not None
    assert client.queries == [(path, args)]
