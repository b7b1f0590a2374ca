"""``bpdao tx producers register-key``: the priv_validator_key.json reader and the message it signs."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
from cli_fakes import install_recording_client, run_cli

from abci_app.cli.main import build_parser
from abci_app.cli.output import CliError
from abci_app.cli.producers import read_priv_validator_key, register_msg
from modules.core.address import to_bech32
from modules.producers.keys import pub_key_problem, validator_address, verify_possession


def _write_key(path: Path, seed: bytes, kind: str = "tendermint/PrivKeyEd25519") -> bytes:
    """A priv_validator_key.json in the layout `cometbft init` writes."""
    pub = bytes(nacl.signing.SigningKey(seed).verify_key)
    doc = {
        "address": validator_address(pub).hex().upper(),
        "pub_key": {"type": "tendermint/PubKeyEd25519", "value": base64.b64encode(pub).decode()},
        "priv_key": {"type": kind, "value": base64.b64encode(seed + pub).decode()},
    }
    path.write_text(json.dumps(doc))
    return pub


def test_reads_the_key_and_signs_a_valid_registration(tmp_path: Path) -> None:
    path = tmp_path / "priv_validator_key.json"
    pub = _write_key(path, b"\x21" * 32)
    seed, got_pub = read_priv_validator_key(path)
    assert got_pub == pub and seed == b"\x21" * 32
    member = b"\x33" * 20
    msg = register_msg(seed, pub, "chain-a", member)
    assert msg.pub_key == pub and pub_key_problem(pub) is None
    assert verify_possession(pub, "chain-a", member, msg.possession_sig)
    assert not verify_possession(pub, "chain-b", member, msg.possession_sig)


def test_refuses_what_is_not_an_ed25519_validator_key(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="no such file"):
        read_priv_validator_key(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(CliError, match="not a priv_validator_key"):
        read_priv_validator_key(bad)
    _write_key(bad, b"\x01" * 32, kind="tendermint/PrivKeySecp256k1")
    with pytest.raises(CliError, match="not an ed25519"):
        read_priv_validator_key(bad)


def test_the_commands_are_wired() -> None:
    args = build_parser().parse_args(["tx", "producers", "register-key", "--from", "alice", "--wait"])
    assert args.sender == "alice" and args.wait and args.priv_validator_key is None
    assert args.handler.__name__ == "register_key"
    args = build_parser().parse_args(["query", "producers", "epoch", "--height", "7"])
    assert args.height == 7 and args.handler.__name__ == "epoch"
    for argv, name in (
        (["query", "producers", "validators"], "validators"),
        (["query", "producers", "key", "alice"], "consensus_key"),
        (["query", "beacon", "seed"], "beacon_seed"),
    ):
        assert build_parser().parse_args(argv).handler.__name__ == name


ADDR = to_bech32(b"\x42" * 20)


@pytest.mark.parametrize(
    ("argv", "path", "args"),
    [
        (["query", "producers", "committee"], "/producers/committee", {}),
        (["query", "producers", "committee", "--epoch", "3"], "/producers/committee", {"epoch": 3}),
        (["query", "producers", "schedule"], "/producers/schedule", {}),
        (["query", "producers", "params"], "/producers/params", {}),
        (["query", "producers", "liveness"], "/producers/liveness", {}),
        (["query", "producers", "slashes"], "/producers/slashes", {}),
        (
            ["query", "producers", "slashes", "--member", ADDR, "--start-after", "4", "--limit", "2"],
            "/producers/slashes",
            {"member": ADDR, "start_after": 4, "limit": 2},
        ),
        (
            ["query", "producers", "liveness-removals", "--limit", "9"],
            "/producers/liveness_removals",
            {"limit": 9},
        ),
        (["query", "beacon", "state"], "/beacon/state", {}),
        (["query", "beacon", "state", "--epoch", "2"], "/beacon/state", {"epoch": 2}),
    ],
)
def test_record_queries_ask_the_module_paths(
    argv: list[str],
    path: str,
    args: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    home: tuple[str, bytes],
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = install_recording_client(monkeypatch, {"records": [], "next": None})
    code, out = run_cli(capsys, home[0], tuple(argv), keyring=False)
    assert code == 0 and out == {"records": [], "next": None}
    assert client.queries == [(path, args)]


def test_a_member_filter_may_name_a_keyring_key(
    monkeypatch: pytest.MonkeyPatch, home: tuple[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    client = install_recording_client(monkeypatch, {"records": [], "next": None})
    argv = ("query", "producers", "liveness-removals", "--member", "alice")
    assert run_cli(capsys, home[0], argv, keyring=True)[0] == 0
    assert client.queries == [("/producers/liveness_removals", {"member": to_bech32(home[1])})]
