"""``bpdao tx gov propose`` and ``bpdao query gov …`` against a recording client: the command builds the
right message, signs it with the keyring key, and asks the right query paths."""

from __future__ import annotations

from typing import Any

import pytest
from cli_fakes import RecordingClient, install_recording_client, run_cli, sent_msgs

from abci_app.cli.governance_cmd import parse_change
from abci_app.cli.output import CliError
from modules.governance.types import MsgProposeParamChange, ParamChange


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> RecordingClient:
    return install_recording_client(monkeypatch, {"id": 2, "status": "stage1"})


def run(capsys: pytest.CaptureFixture[str], home: str, *argv: str) -> tuple[int, Any]:
    return run_cli(capsys, home, argv, keyring=argv[0] == "tx")  # queries read no keyring


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
