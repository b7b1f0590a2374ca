"""Creating a testnet directory (runs only ``cometbft init`` / ``show-node-id``, no node)."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import tomllib
from pathlib import Path

import pytest

from abci_app.keyring import Keyring
from abci_app.node import AppConfig, Home
from abci_app.testnet.create import create, free_base_port
from abci_app.testnet.genesis import FOUNDER_BALANCE, FOUNDER_REP, VALIDATOR_POWER, consensus_address
from abci_app.testnet.layout import PORTS_PER_NODE, Testnet, TestnetError, TestnetSpec
from abci_app.testnet.network import open_or_create
from abci_app.tooling import cometbft_binary
from abci_app.wiring import default_wiring
from genesis.app_state import validate_app_state
from modules.auth.module import AuthModule
from modules.bank.keeper import FEE_COLLECTOR, module_address
from modules.bank.module import BankModule
from modules.core.address import to_bech32
from modules.core.module import Module


def modules() -> list[Module]:
    """The modules whose genesis sections a testnet needs today (auth and bank)."""
    bank = BankModule()
    return [AuthModule(bank.keeper, module_address(FEE_COLLECTOR)), bank]


@pytest.fixture
def spec() -> TestnetSpec:
    return TestnetSpec(
        chain_id="unit-net", validators=2, full_nodes=1, base_port=free_base_port(3), timeout_commit="300ms"
    )


def show_node_id(home: Home) -> str:
    done = subprocess.run(
        [str(cometbft_binary()), "show-node-id", "--home", str(home.cometbft_home)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout.strip()


def test_create_writes_one_genesis_peers_keys_and_configs(tmp_path: Path, spec: TestnetSpec) -> None:
    root = tmp_path / "net"
    net = create(root, spec)  # the app's own modules
    assert Testnet.load(root) == net
    homes = [net.home(n) for n in net.nodes]

    genesis = homes[0].load_genesis()
    assert all(h.load_genesis() == genesis for h in homes)
    assert genesis["chain_id"] == "unit-net"
    # The validator set is exactly the validators' own keys, as cometbft itself derives their addresses.
    own_keys = [
        json.loads((h.cometbft_home / "config" / "priv_validator_key.json").read_text()) for h in homes
    ]
    assert [(v["address"], v["pub_key"], v["power"]) for v in genesis["validators"]] == [
        (key["address"], key["pub_key"], str(VALIDATOR_POWER)) for key in own_keys[:2]
    ]
    assert all(consensus_address(base64.b64decode(k["pub_key"]["value"])) == k["address"] for k in own_keys)

    # Every founder key is in the shared keyring and in every node's keyring, and funded at genesis.
    founders = Keyring(root, "test").list_keys()
    assert [k.name for k in founders] == ["founder0", "founder1"]
    for home in homes:
        assert Keyring(home.root, "test").list_keys() == founders
        assert Keyring(home.root, "test").seed("founder1") == Keyring(root, "test").seed("founder1")
    app_state = genesis["app_state"]
    validate_app_state(default_wiring().modules, app_state, "unit-net")
    balances = {b["address"]: b["amount"] for b in app_state["bank"]["balances"]}
    assert balances == {to_bech32(k.address): FOUNDER_BALANCE for k in founders}
    accounts = {a["address"]: a["pub_key"] for a in app_state["auth"]["accounts"]}
    assert accounts == {to_bech32(k.address): k.pub_key.hex() for k in founders}
    rep = {b["address"]: b["amount"] for b in app_state["reputation"]["balances"]}
    assert rep == {to_bech32(k.address): FOUNDER_REP for k in founders}

    ids = [show_node_id(h) for h in homes]
    for node, home in zip(net.nodes, homes, strict=True):
        config = tomllib.loads(home.cometbft_config.read_text())
        assert config["moniker"] == node.name
        assert config["proxy_app"] == f"tcp://127.0.0.1:{node.abci_port}"
        assert config["log_level"] == "error"
        assert config["rpc"]["laddr"] == f"tcp://127.0.0.1:{node.rpc_port}"
        assert config["p2p"]["laddr"] == f"tcp://127.0.0.1:{node.p2p_port}"
        assert config["p2p"]["allow_duplicate_ip"] is True
        assert config["p2p"]["addr_book_strict"] is False
        assert config["consensus"]["timeout_commit"] == "300ms"
        expected_peers = {f"{ids[o.index]}@127.0.0.1:{o.p2p_port}" for o in net.nodes if o != node}
        assert set(config["p2p"]["persistent_peers"].split(",")) == expected_peers
        assert home.load_config() == AppConfig(
            chain_id="unit-net",
            abci_address=f"tcp://127.0.0.1:{node.abci_port}",
            grpc_address=f"127.0.0.1:{node.grpc_port}",
            node_rpc=f"tcp://127.0.0.1:{node.rpc_port}",
            keyring_backend="test",
        )
        assert (home.root / "data").is_dir()


def test_create_refuses_a_non_empty_directory(tmp_path: Path, spec: TestnetSpec) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(TestnetError, match="not an empty directory"):
        create(tmp_path, spec, modules())
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_create_refuses_busy_ports(tmp_path: Path, spec: TestnetSpec) -> None:
    busy_port = spec.base_port + PORTS_PER_NODE + 1  # node1's RPC
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", busy_port))
        with pytest.raises(TestnetError, match=f"ports in use on 127.0.0.1: {busy_port}"):
            create(tmp_path / "net", spec, modules())
    assert not (tmp_path / "net").exists()


def test_a_failed_create_leaves_nothing_behind(tmp_path: Path, spec: TestnetSpec) -> None:
    with pytest.raises(TestnetError, match="app_state: bank: missing section"):
        create(tmp_path / "net", spec, modules=[])
    assert not (tmp_path / "net").exists()
    with pytest.raises(TestnetError, match="app_state: bank: missing section"):
        create(tmp_path, spec, modules=[])
    assert tmp_path.is_dir() and not any(tmp_path.iterdir())


def test_create_refuses_a_bad_spec(tmp_path: Path) -> None:
    with pytest.raises(TestnetError, match="at least 1 validator"):
        create(tmp_path / "net", TestnetSpec(validators=0), modules())


def test_open_or_create_keeps_an_existing_testnet_and_rejects_contradictions(
    tmp_path: Path, spec: TestnetSpec
) -> None:
    root = tmp_path / "net"
    notes: list[str] = []
    given = {"validators": 2, "full_nodes": 1, "base_port": spec.base_port, "chain_id": "unit-net"}
    first = open_or_create(root, given, notes.append, modules())
    defaults = TestnetSpec()
    assert first.spec == TestnetSpec("unit-net", 2, 1, spec.base_port, defaults.timeout_commit)
    assert notes == [f"created 3 node homes in {root}"]
    genesis = first.home(first.nodes[0]).load_genesis()

    again = open_or_create(root, {"validators": 2}, notes.append)
    assert again == first and len(notes) == 1
    assert again.home(again.nodes[0]).load_genesis() == genesis
    with pytest.raises(TestnetError, match=r"created with validators=2.*testnet reset"):
        open_or_create(root, {"validators": 4}, notes.append)
    with pytest.raises(TestnetError, match="unknown testnet options: colour"):
        open_or_create(root, {"colour": "red"}, notes.append)


def test_genesis_options_shape_the_genesis_and_stay_fixed(tmp_path: Path, spec: TestnetSpec) -> None:
    root = tmp_path / "net"
    overrides = ("producers.params.committee_size=1", "producers.params.epoch_length=12")
    given = {"base_port": spec.base_port, "validators": 2, "founder_stake": 300, "genesis": overrides}
    net = open_or_create(root, given, lambda _: None)
    app_state = net.home(net.nodes[0]).load_genesis()["app_state"]
    params = app_state["producers"]["params"]
    assert (params["committee_size"], params["epoch_length"]) == (1, 12)
    assert [s["amount"] for s in app_state["availability"]["stakes"]] == [300, 300]
    # the manifest keeps them: the same options again are no contradiction, others are
    assert open_or_create(root, given, lambda _: None) == net
    with pytest.raises(TestnetError, match=r"created with genesis=\['producers.params.committee_size=1'"):
        open_or_create(root, {"genesis": overrides[:1]}, lambda _: None)
