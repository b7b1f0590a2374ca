"""``bpdao tx forum|availability|work`` and ``bpdao query forum|availability|work`` against a recording
client: the commands build the right messages, sign them with the keyring key, and ask the right paths."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from cli_fakes import RecordingClient, install_recording_client, run_cli, sent_msgs

from modules.availability.types import MsgExtendAvailability, MsgReclaimAvailability, MsgStakeAvailability
from modules.core.address import to_bech32
from modules.forum.types import Author, Citation, MsgPost
from modules.work.types import MsgRequestWork, MsgSubmitEvidence, MsgVerdict

OTHER = bytes(range(20))
HELLO = hashlib.sha256(b"hello").digest()


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> RecordingClient:
    answer = {"post_ids": [1], "request_ids": [2], "kind": "block_production", "active_rep": 5}
    return install_recording_client(monkeypatch, answer)


KEYRING_FREE = {
    ("forum", "post"),
    ("forum", "params"),
    ("availability", "stake"),
    ("availability", "by-kind"),
    ("availability", "params"),
    ("work", "request"),
    ("work", "pending"),
    ("work", "params"),
}


def run(capsys: pytest.CaptureFixture[str], home: str, *argv: str) -> tuple[int, Any]:
    keyring = not (argv[0] == "query" and tuple(argv[1:3]) in KEYRING_FREE)
    return run_cli(capsys, home, argv, keyring)


def test_forum_post_defaults_to_the_signer_as_sole_author(
    client: RecordingClient, home: tuple[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, home[0], "tx", "forum", "post", "--from", "alice", "--content", "hello", "--wait")
    assert code == 0 and out["content_hash"] == HELLO.hex()
    assert sent_msgs(client, home[1]) == (MsgPost(HELLO, (Author(home[1], 1_000_000),), ()),)


def test_forum_post_with_authors_citations_and_a_content_file(
    client: RecordingClient, home: tuple[str, bytes], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    content = tmp_path / "post.md"
    content.write_bytes(b"hello")
    argv = ["tx", "forum", "post", "--from", "alice", "--content-file", str(content)]
    argv += ["--author", "alice:600000", "--author", f"{to_bech32(OTHER)}:400000"]
    argv += ["--cite", "3:-250000", "--cite", "0:1000"]
    code, _ = run(capsys, home[0], *argv)
    assert code == 0
    expected = MsgPost(
        HELLO, (Author(home[1], 600_000), Author(OTHER, 400_000)), (Citation(3, -250_000), Citation(0, 1_000))
    )
    assert sent_msgs(client, home[1]) == (expected,)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["tx", "availability", "stake", "--from", "alice", "block_production", "40", "3600"],
            MsgStakeAvailability("block_production", 40, 3_600),
        ),
        (["tx", "availability", "extend", "--from", "alice", "2", "60"], MsgExtendAvailability(2, 60)),
        (["tx", "availability", "reclaim", "--from", "alice", "2"], MsgReclaimAvailability(2)),
        (
            [
                "tx",
                "work",
                "request",
                "--from",
                "alice",
                "block_production",
                "25",
                "600",
                "--details",
                "hello",
            ],
            MsgRequestWork("block_production", 25, HELLO, 600),
        ),
        (
            ["tx", "work", "request", "--from", "alice", "storage", "25", "600", "--details-hash", "ab" * 32],
            MsgRequestWork("storage", 25, b"\xab" * 32, 600),
        ),
        (["tx", "work", "evidence", "--from", "alice", "1", "9"], MsgSubmitEvidence(1, 9)),
        (["tx", "work", "verdict", "--from", "alice", "1", "approve"], MsgVerdict(1, True)),
        (["tx", "work", "verdict", "--from", "alice", "1", "disapprove"], MsgVerdict(1, False)),
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


@pytest.mark.parametrize(
    "argv",
    [
        ["tx", "forum", "post", "--from", "alice", "--content-hash", "abcd"],
        ["tx", "forum", "post", "--from", "alice", "--content", "x", "--author", "alice:500000"],
        ["tx", "forum", "post", "--from", "alice", "--content", "x", "--cite", "one:5"],
        ["tx", "forum", "post", "--from", "alice", "--content", "x", "--author", "nobody:1000000"],
        ["tx", "availability", "stake", "--from", "alice", "Block", "1", "60"],
        ["tx", "availability", "stake", "--from", "alice", "block_production", "1", "0"],
        ["tx", "work", "request", "--from", "alice", "block_production", "0", "60", "--details", "x"],
        ["tx", "work", "request", "--from", "alice", "block_production", "5", "0", "--details", "x"],
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
        (["query", "forum", "post", "3"], "/forum/post", {"id": 3}),
        (["query", "forum", "by-author", "alice"], "/forum/posts_by_author", {"author": "ALICE"}),
        (["query", "forum", "params"], "/forum/params", {}),
        (["query", "availability", "stake", "4"], "/availability/stake", {"id": 4}),
        (
            ["query", "availability", "by-kind", "block_production"],
            "/availability/stakes_by_kind",
            {"kind": "block_production"},
        ),
        (
            ["query", "availability", "by-kind", "storage", "--after", "7", "--limit", "3"],
            "/availability/stakes_by_kind",
            {"kind": "storage", "after": 7, "limit": 3},
        ),
        (
            ["query", "availability", "by-member", "alice"],
            "/availability/stakes_by_member",
            {"member": "ALICE"},
        ),
        (["query", "availability", "params"], "/availability/params", {}),
        (["query", "work", "request", "2"], "/work/request", {"id": 2}),
        (["query", "work", "by-client", "alice"], "/work/requests_by_client", {"client": "ALICE"}),
        (
            ["query", "work", "by-expert", to_bech32(OTHER)],
            "/work/requests_by_expert",
            {"expert": to_bech32(OTHER)},
        ),
        (["query", "work", "pending"], "/work/pending", {}),
        (["query", "work", "pending", "--limit", "5"], "/work/pending", {"limit": 5}),
        (["query", "work", "params"], "/work/params", {}),
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
