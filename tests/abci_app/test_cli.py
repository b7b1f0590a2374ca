"""The bpdao CLI: init, keys, argument and error handling (no running node needed)."""

from __future__ import annotations

import io
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from abci_app.cli.main import main
from abci_app.node import AppConfig, Home, HomeError, free_loopback_ports, set_toml_value
from modules.core.address import address_from_pubkey, to_bech32


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    """Run the CLI with --output json; returns (exit code, parsed stdout, stderr)."""
    code = main([*argv, "--output", "json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else None, captured.err


def test_init_creates_a_complete_home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "h"
    outsider = to_bech32(address_from_pubkey(b"\x07" * 32))
    abci, grpc_port, rpc, p2p = free_loopback_ports(4)
    code, out, _ = run(
        capsys, "init", "--home", str(home), "--chain-id", "devnet-7", "--moniker", "n0",
        "--founder", "alice:1000:300", "--founder", "bob:25", "--account", f"{outsider}:5:7",
        "--keyring-backend", "test", "--abci", f"tcp://127.0.0.1:{abci}", "--grpc", f"127.0.0.1:{grpc_port}",
        "--rpc", f"tcp://127.0.0.1:{rpc}", "--p2p", f"tcp://127.0.0.1:{p2p}", "--timeout-commit", "300ms",
    )  # fmt: skip
    assert code == 0
    config = Home.at(home).load_config()
    assert config == AppConfig(
        chain_id="devnet-7",
        abci_address=f"tcp://127.0.0.1:{abci}",
        grpc_address=f"127.0.0.1:{grpc_port}",
        node_rpc=f"tcp://127.0.0.1:{rpc}",
        data_dir="data",
        keyring_backend="test",
    )
    assert (home / "data").is_dir()
    cometbft = tomllib.loads((home / "cometbft" / "config" / "config.toml").read_text())
    assert cometbft["proxy_app"] == f"tcp://127.0.0.1:{abci}"
    assert cometbft["moniker"] == "n0"
    assert cometbft["rpc"]["laddr"] == f"tcp://127.0.0.1:{rpc}"
    assert cometbft["p2p"]["laddr"] == f"tcp://127.0.0.1:{p2p}"
    assert cometbft["consensus"]["timeout_commit"] == "300ms"

    genesis = json.loads((home / "cometbft" / "config" / "genesis.json").read_text())
    assert genesis["chain_id"] == "devnet-7"
    keys = {k["name"]: k["address"] for k in out["created_keys"]}
    assert sorted(keys) == ["alice", "bob"]
    assert out["accounts"] == [
        {"label": "alice", "address": keys["alice"], "amount": 1000, "rep": 300},
        {"label": "bob", "address": keys["bob"], "amount": 25, "rep": 0},
        {"label": outsider, "address": outsider, "amount": 5, "rep": 7},
    ]
    balances = {b["address"]: b["amount"] for b in genesis["app_state"]["bank"]["balances"]}
    assert balances == {keys["alice"]: 1000, keys["bob"]: 25, outsider: 5}
    # founders' REP is in the reputation section (bob was given none: no entry)
    rep = {b["address"]: b["amount"] for b in genesis["app_state"]["reputation"]["balances"]}
    assert rep == {keys["alice"]: 300, outsider: 7}

    # the founders' keys are in the home's (test) keyring, the default for later commands
    code, listed, _ = run(capsys, "keys", "list", "--home", str(home))
    assert code == 0 and listed["backend"] == "test"
    assert {k["name"]: k["address"] for k in listed["keys"]} == keys


def test_init_refuses_bad_input_without_leaving_a_home(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "h"
    cases = [
        (["--chain-id", "bad id!"], "invalid --chain-id"),
        (["--chain-id", "c", "--founder", "alice"], "NAME:AMOUNT"),
        (["--chain-id", "c", "--founder", "alice:-3"], "NAME:AMOUNT"),
        (["--chain-id", "c", "--founder", "alice:3:x"], "NAME:AMOUNT:REP"),
        (["--chain-id", "c", "--founder", "alice:3:4:5"], "NAME:AMOUNT:REP"),
        (["--chain-id", "c", "--account", "bpdao1qqqq:5"], "--account"),
        (["--chain-id", "c", "--grpc", "nowhere"], "--grpc"),
        (["--chain-id", "c", "--timeout-commit", "soon"], "--timeout-commit"),
        (["--chain-id", "c", "--founder-stake", "-1"], "--founder-stake"),
        (["--chain-id", "c", "--founder-stake", "5"], "--founder-stake needs a --founder"),
        (
            ["--chain-id", "c", "--founder", "al:1:300", "--founder-stake", "301"],
            "reputation.balances[0].encumbered: 301 > amount 300",
        ),
    ]
    for extra, message in cases:
        code, out, _ = run(capsys, "init", "--home", str(home), "--keyring-backend", "test", *extra)
        assert code == 1
        assert message in out["error"]
        assert not Home.at(home).is_initialised()


def test_init_founder_stake_is_the_first_founders_block_production_stake(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "h"
    code, out, _ = run(
        capsys, "init", "--home", str(home), "--chain-id", "c", "--keyring-backend", "test",
        "--founder", "alice:10:300", "--founder", "bob:10:50", "--founder-stake", "120",
    )  # fmt: skip
    assert code == 0
    alice = out["accounts"][0]["address"]
    app_state = Home.at(home).load_genesis()["app_state"]
    year = app_state["availability"]["params"]["max_duration_s"]
    assert app_state["availability"]["stakes"] == [
        {"owner": alice, "kind": "block_production", "amount": 120, "duration_s": year}
    ]
    assert [f["member"] for f in app_state["producers"]["founders"]] == [alice]  # its validator


def test_init_twice_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "h")
    assert run(capsys, "init", "--home", home, "--chain-id", "c1", "--keyring-backend", "test")[0] == 0
    code, out, _ = run(capsys, "init", "--home", home, "--chain-id", "c2", "--keyring-backend", "test")
    assert code == 1 and "already initialised" in out["error"]
    assert Home.at(home).load_config().chain_id == "c1"


def test_keys_add_show_recover_delete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = str(tmp_path)
    monkeypatch.setenv("BPDAO_KEYRING_PASSPHRASE", "pw")
    code, added, _ = run(capsys, "keys", "add", "alice", "--home", home)
    assert code == 0 and added["backend"] == "file"
    code, shown, _ = run(capsys, "keys", "show", "alice", "--home", home)
    assert shown["address"] == added["address"] and "seed" not in shown
    assert main(["keys", "show", "alice", "--address", "--home", home]) == 0
    assert capsys.readouterr().out.strip() == added["address"]

    monkeypatch.setattr("sys.stdin", io.StringIO(added["seed"] + "\n"))
    code, recovered, _ = run(
        capsys, "keys", "add", "again", "--recover", "--home", home, "--keyring-backend", "test"
    )
    assert code == 0 and recovered["address"] == added["address"] and "seed" not in recovered

    code, out, _ = run(capsys, "keys", "add", "alice", "--home", home)
    assert code == 1 and "already exists" in out["error"]
    assert run(capsys, "keys", "delete", "alice", "--home", home)[0] == 0
    code, out, _ = run(capsys, "keys", "show", "alice", "--home", home)
    assert code == 1 and "no key named 'alice'" in out["error"]


def test_text_output_and_errors_go_to_the_right_stream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "list", "--home", str(tmp_path), "--keyring-backend", "test"]) == 0
    assert "no keys in" in capsys.readouterr().out
    assert main(["keys", "show", "ghost", "--home", str(tmp_path), "--keyring-backend", "test"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("error: no key named 'ghost'")


def test_client_commands_report_an_unreachable_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (port,) = free_loopback_ports(1)
    code, out, _ = run(capsys, "status", "--home", str(tmp_path), "--grpc", f"127.0.0.1:{port}")
    assert code == 3
    assert f"no bpdao gRPC server answering at 127.0.0.1:{port}" in out["error"]
    assert out["grpc_status"] == "UNAVAILABLE"


def test_query_account_of_an_unknown_name_fails_before_any_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "query", "account", "nobody", "--home", str(tmp_path), "--keyring-backend", "test"
    )
    assert code == 1 and "neither a bpdao1… address nor a key" in out["error"]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["tx", "send", "--from", "a", "b", "not-a-number"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["init"])  # --chain-id is required
    assert exc.value.code == 2


def test_set_toml_value_edits_only_the_named_section() -> None:
    text = 'a = 1\n[rpc]\nladdr = "tcp://0.0.0.0:1"\n[p2p]\nladdr = "tcp://0.0.0.0:2"\n'
    edited = set_toml_value(text, "p2p", "laddr", "tcp://127.0.0.1:9")
    assert tomllib.loads(edited) == {
        "a": 1,
        "rpc": {"laddr": "tcp://0.0.0.0:1"},
        "p2p": {"laddr": "tcp://127.0.0.1:9"},
    }
    assert tomllib.loads(set_toml_value(text, "", "a", True))["a"] is True
    with pytest.raises(HomeError, match="no setting 'size' in section \\[mempool\\]"):
        set_toml_value(text, "mempool", "size", 5)
