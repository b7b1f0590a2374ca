"""``bpdao tx pool|reputation|salary`` and ``bpdao query pool|reputation|salary`` against a recording
client: the commands build the right messages, sign them with the keyring key, and ask the right paths."""

from __future__ import annotations

from typing import Any

import pytest
from cli_fakes import RecordingClient, install_recording_client, run_cli, sent_msgs

from modules.core.address import to_bech32
from modules.reputation.types import MsgSetStakeAllowance
from modules.salary.types import MsgClaimSalary
from modules.validation_pool.types import MsgInitiatePool, MsgStake

OTHER = bytes(range(20))


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> RecordingClient:
    answer = {
        "claimable": 4,
        "balance": 9,
        "encumbered": 2,
        "free": 7,
        "amount": 1,
        "pool_ids": [2],
        "supply": 3,
        "minted": 4,
        "burned": 1,
    }
    return install_recording_client(monkeypatch, answer)


KEYRING_FREE = {
    ("reputation", "supply"),
    ("pool", "show"),
    ("pool", "by-post"),
    ("pool", "params"),
    ("salary", "state"),
}


def run(capsys: pytest.CaptureFixture[str], home: str, *argv: str) -> tuple[int, Any]:
    return run_cli(capsys, home, argv, keyring=tuple(argv[1:3]) not in KEYRING_FREE)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["tx", "pool", "initiate", "--from", "alice", "4", "25"],
            MsgInitiatePool(post_id=4, fee=25, duration_s=0),
        ),
        (
            ["tx", "pool", "initiate", "--from", "alice", "4", "25", "--duration", "90"],
            MsgInitiatePool(post_id=4, fee=25, duration_s=90),
        ),
        (["tx", "pool", "stake", "--from", "alice", "2", "10", "against"], MsgStake(2, 10, False, b"")),
        (
            ["tx", "pool", "stake", "--from", "alice", "2", "10", "for", "--owner", to_bech32(OTHER)],
            MsgStake(2, 10, True, OTHER),
        ),
        (
            ["tx", "reputation", "allow", "--from", "alice", to_bech32(OTHER), "6"],
            MsgSetStakeAllowance(OTHER, 6),
        ),
        (["tx", "salary", "claim", "--from", "alice"], MsgClaimSalary()),
    ],
)
def test_tx_commands_sign_the_message(
    argv: list[str],
    expected: object,
    client: RecordingClient,
    home: tuple[str, bytes],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run(capsys, home[0], *argv, "--wait")
    assert code == 0 and out["committed"] is True
    assert sent_msgs(client, home[1]) == (expected,)


def test_a_key_name_resolves_to_its_address(
    client: RecordingClient, home: tuple[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(capsys, home[0], "tx", "reputation", "allow", "--from", "alice", "alice", "6")
    assert code == 0
    assert sent_msgs(client, home[1]) == (
        MsgSetStakeAllowance(home[1], 6),
    )  # refused on chain: own allowance


@pytest.mark.parametrize(
    "argv",
    [
        ["tx", "pool", "initiate", "--from", "alice", "4", "0"],
        ["tx", "pool", "stake", "--from", "alice", "2", "0", "for"],
        ["tx", "reputation", "allow", "--from", "alice", "nobody", "6"],
    ],
)
def test_bad_arguments_fail_before_anything_is_sent(
    argv: list[str], client: RecordingClient, home: tuple[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(capsys, home[0], *argv)
    assert code != 0 and client.txs == []


@pytest.mark.parametrize(
    ("argv", "path", "args"),
    [
        (["query", "reputation", "balance", "alice"], "/reputation/balance", {"address": "ALICE"}),
        (["query", "reputation", "supply"], "/reputation/supply", {}),
        (
            ["query", "reputation", "allowance", "alice", to_bech32(OTHER)],
            "/reputation/allowance",
            {"owner": "ALICE", "delegate": to_bech32(OTHER)},
        ),
        (["query", "pool", "show", "3"], "/validation_pool/pool", {"id": 3}),
        (["query", "pool", "by-post", "8"], "/validation_pool/pools_by_post", {"post_id": 8}),
        (["query", "pool", "params"], "/validation_pool/params", {}),
        (["query", "salary", "claimable", "alice"], "/salary/claimable", {"address": "ALICE"}),
        (["query", "salary", "state"], "/salary/state", {}),
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
    expected = {k: (to_bech32(home[1]) if v == "ALICE" else v) for k, v in args.items()}
    assert client.queries == [(path, expected)]
