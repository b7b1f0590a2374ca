"""``bpdao testnet`` commands that need no running node: errors, logs, status and stop of a stopped net."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from abci_app.cli.main import main
from abci_app.testnet.create import create, free_base_port
from abci_app.testnet.layout import Testnet, TestnetSpec
from abci_app.testnet.processes import NodeProcess


def run(capsys: pytest.CaptureFixture[str], *argv: str, json_out: bool = True) -> tuple[int, Any, str]:
    code = main([*argv, "--output", "json"] if json_out else list(argv))
    captured = capsys.readouterr()
    if json_out:
        return code, json.loads(captured.out) if captured.out.strip() else None, captured.err
    return code, captured.out, captured.err


@pytest.fixture
def stopped_net(tmp_path: Path) -> Testnet:
    """A testnet manifest with logs but no processes (and nothing listening on its ports)."""
    net = Testnet(tmp_path / "net", TestnetSpec(validators=2, base_port=free_base_port(2)))
    net.root.mkdir()
    net.write_manifest()
    for node in net.nodes:
        for kind in ("app", "cometbft"):
            log = NodeProcess(net.home(node), kind).log_path
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text("".join(f"{node.name} {kind} line {i}\n" for i in range(5)))
    return net


def test_commands_on_a_directory_without_a_testnet_fail_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("status", "logs", "stop", "reset"):
        code, out, _ = run(capsys, "testnet", command, "--dir", str(tmp_path))
        assert code == 1
        assert out == {
            "error": f"{tmp_path} is not a testnet (no testnet.json): run `bpdao testnet start` first"
        }


def test_start_refuses_a_bad_spec_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "testnet", "start", "--dir", str(tmp_path / "net"), "--timeout-commit", "fast")
    assert code == 1
    assert out == {"error": "invalid timeout-commit 'fast': e.g. 300ms or 1s"}
    assert not (tmp_path / "net").exists()


def test_start_refuses_options_contradicting_the_existing_testnet(
    stopped_net: Testnet, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "testnet", "start", "--dir", str(stopped_net.root), "--validators", "3")
    assert code == 1
    assert "was created with validators=2" in out["error"]


def test_logs_last_lines_per_node_and_process(
    stopped_net: Testnet, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(stopped_net.root)
    code, out, _ = run(capsys, "testnet", "logs", "--dir", root, "-n", "2")
    assert code == 0
    assert out == {
        f"node{n}/{kind}": [f"node{n} {kind} line 3", f"node{n} {kind} line 4"]
        for n in (0, 1)
        for kind in ("app", "cometbft")
    }
    code, text, _ = run(
        capsys,
        "testnet",
        "logs",
        "--dir",
        root,
        "--node",
        "1",
        "--process",
        "cometbft",
        "-n",
        "1",
        json_out=False,
    )
    assert code == 0 and text == "node1/cometbft | node1 cometbft line 4\n"
    code, out, _ = run(capsys, "testnet", "logs", "--dir", root, "--node", "2")
    assert code == 1 and out == {"error": "no node 2: this testnet has nodes 0-1"}


def test_status_and_stop_of_a_stopped_testnet(
    stopped_net: Testnet, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(stopped_net.root)
    code, out, _ = run(capsys, "testnet", "status", "--dir", root)
    assert code == 0
    assert out["chain_id"] == "bpdao-testnet" and out["validators"] == 2
    assert [(n["name"], n["height"], n["app_pid"], n["cometbft_pid"]) for n in out["nodes"]] == [
        ("node0", None, None, None),
        ("node1", None, None, None),
    ]
    code, out, _ = run(capsys, "testnet", "stop", "--dir", root)
    assert code == 0 and out == {"dir": root, "stopped": []}
    code, text, _ = run(capsys, "testnet", "status", "--dir", root, json_out=False)
    assert text.splitlines()[1].split()[6:] == ["down", "-", "-", "-", "stopped", "stopped"]


def test_reset_keeps_nothing_by_default(stopped_net: Testnet, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "testnet", "reset", "--dir", str(stopped_net.root))
    assert code == 0 and out == {"dir": str(stopped_net.root), "keep_config": False}
    assert not stopped_net.root.exists()


def test_reset_keep_config_wipes_chain_data_but_not_keys_genesis_or_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    net = create(tmp_path / "net", TestnetSpec(validators=2, base_port=free_base_port(2)))
    home = net.home(net.nodes[1])
    kept = [
        home.genesis_path,
        home.cometbft_config,
        home.app_config_path,
        home.cometbft_home / "config" / "priv_validator_key.json",
        home.cometbft_home / "config" / "node_key.json",
        home.root / "keyring-test" / "founder0.json",
        net.root / "testnet.json",
    ]
    before = {path: path.read_bytes() for path in kept}
    (home.root / "data" / "state.sst").write_text("app state")
    (home.cometbft_home / "data" / "blockstore.db").mkdir()
    state_file = home.cometbft_home / "data" / "priv_validator_state.json"
    state_file.write_text(json.dumps({"height": "7", "round": 0, "step": 3}))
    (home.log_dir / "app.log").write_text("old\n")

    code, out, _ = run(capsys, "testnet", "reset", "--dir", str(net.root), "--keep-config")

    assert code == 0 and out == {"dir": str(net.root), "keep_config": True}
    assert {path: path.read_bytes() for path in kept} == before
    assert list((home.root / "data").iterdir()) == []
    assert not (home.cometbft_home / "data" / "blockstore.db").exists()
    assert json.loads(state_file.read_text())["height"] == "0"
    assert list(home.log_dir.iterdir()) == []
