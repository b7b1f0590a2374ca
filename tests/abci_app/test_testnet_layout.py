"""Testnet layout, spec checks, manifest and genesis document (no processes)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from abci_app.cli.testnet_cmd import transfer_example
from abci_app.testnet.genesis import FOUNDER_REP, Founder, genesis_document, read_consensus_pub_key
from abci_app.testnet.layout import MANIFEST, Testnet, TestnetError, TestnetSpec
from abci_app.wiring import default_wiring
from genesis.app_state import validate_app_state
from modules.auth.module import AuthModule
from modules.bank.keeper import FEE_COLLECTOR, module_address
from modules.bank.module import BankModule
from modules.core.address import address_from_pubkey, to_bech32


def test_each_node_has_its_own_four_ports_validators_first() -> None:
    net = Testnet(Path("/x"), TestnetSpec(validators=3, full_nodes=2, base_port=30000))
    assert [(n.name, n.role) for n in net.nodes] == [
        ("node0", "validator"),
        ("node1", "validator"),
        ("node2", "validator"),
        ("node3", "full"),
        ("node4", "full"),
    ]
    assert net.nodes[2].ports == (30020, 30021, 30022, 30023)
    all_ports = [p for n in net.nodes for p in n.ports]
    assert len(set(all_ports)) == len(all_ports) == 20
    node = net.nodes[1]
    assert (node.p2p_laddr, node.rpc_laddr, node.abci_address, node.grpc_address) == (
        "tcp://127.0.0.1:30010",
        "tcp://127.0.0.1:30011",
        "tcp://127.0.0.1:30012",
        "127.0.0.1:30013",
    )
    assert [n.name for n in net.validators] == ["node0", "node1", "node2"]
    assert net.home(node).root == Path("/x/node1")


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (TestnetSpec(validators=0), "at least 1 validator"),
        (TestnetSpec(full_nodes=-1), "negative"),
        (TestnetSpec(chain_id="bad id"), "invalid chain id"),
        (TestnetSpec(timeout_commit="0.5s"), "invalid timeout-commit"),
        (TestnetSpec(base_port=65500), "outside 1024-65535"),
        (TestnetSpec(base_port=80), "outside 1024-65535"),
        (TestnetSpec(validators=60, full_nodes=5), "at most 64"),
        (TestnetSpec(founder_stake=-1), "stake cannot be negative"),
        (TestnetSpec(genesis=("producers.params.committee_size",)), "expected MODULE.FIELD"),
        (TestnetSpec(genesis=("producers=3",)), "expected MODULE.FIELD"),
        (TestnetSpec(genesis=("producers.params.x=nope",)), "not JSON"),
        (TestnetSpec(genesis=("a.b=1", "a.b.c=2")), "b is already set"),
    ],
)
def test_unusable_specs_are_explained(spec: TestnetSpec, words: str) -> None:
    problem = spec.problem()
    assert problem is not None and words in problem


def test_default_spec_is_usable() -> None:
    assert TestnetSpec().problem() is None


def test_genesis_overrides_nest_by_path() -> None:
    spec = TestnetSpec(
        genesis=("producers.params.committee_size=3", "producers.params.epoch_length=12", 'beacon.seed=""')
    )
    assert spec.genesis_overrides() == {
        "producers": {"params": {"committee_size": 3, "epoch_length": 12}},
        "beacon": {"seed": ""},
    }


def test_manifest_round_trip_and_errors(tmp_path: Path) -> None:
    spec = TestnetSpec(
        chain_id="t-1",
        validators=2,
        full_nodes=1,
        base_port=40000,
        timeout_commit="300ms",
        founder_stake=7,
        genesis=("producers.params.committee_size=1",),
    )
    Testnet(tmp_path, spec).write_manifest()
    assert Testnet.load(tmp_path) == Testnet(tmp_path, spec)

    with pytest.raises(TestnetError, match="not a testnet"):
        Testnet.load(tmp_path / "elsewhere")
    (tmp_path / MANIFEST).write_text(json.dumps({"format": 99, "spec": spec.to_json()}))
    with pytest.raises(TestnetError, match="unknown format"):
        Testnet.load(tmp_path)
    (tmp_path / MANIFEST).write_text(json.dumps({"format": 1, "spec": {**spec.to_json(), "validators": 0}}))
    with pytest.raises(TestnetError, match="at least 1 validator"):
        Testnet.load(tmp_path)


def test_node_lookup_names_the_range() -> None:
    net = Testnet(Path("/x"), TestnetSpec(validators=2))
    assert net.node(1).name == "node1"
    with pytest.raises(TestnetError, match="nodes 0-1"):
        net.node(2)


def _founder(i: int) -> Founder:
    # a real ed25519 consensus key: the producers section refuses anything else
    consensus = bytes(SigningKey(bytes([i + 101]) * 32).verify_key)
    return Founder(f"founder{i}", bytes([i + 1]) * 32, consensus, power=10 + i, balance=1000 * i)


def test_genesis_document_sets_validators_and_app_state_from_founders() -> None:
    template = {
        "genesis_time": "T",
        "chain_id": "old",
        "consensus_params": {"x": 1},
        "validators": [],
        "app_hash": "",
    }
    founders = [_founder(0), _founder(1)]
    bank = BankModule()
    modules = [AuthModule(bank.keeper, module_address(FEE_COLLECTOR)), bank]
    doc = genesis_document(template, modules, "t-2", founders)
    assert doc["genesis_time"] == "T" and doc["consensus_params"] == {"x": 1}
    assert doc["chain_id"] == "t-2"
    assert doc["validators"] == [
        {
            "address": address_from_pubkey(f.consensus_pub_key).hex().upper(),
            "pub_key": {
                "type": "tendermint/PubKeyEd25519",
                "value": base64.b64encode(f.consensus_pub_key).decode(),
            },
            "power": str(f.power),
            "name": f.name,
        }
        for f in founders
    ]
    app_state = doc["app_state"]
    assert app_state["chain_id"] == "t-2"
    balances = {b["address"]: b["amount"] for b in app_state["bank"]["balances"]}
    assert balances == {to_bech32(address_from_pubkey(f.account_pub_key)): f.balance for f in founders}
    assert app_state["bank"]["supply"] == sum(f.balance for f in founders)
    accounts = {a["address"]: a["pub_key"] for a in app_state["auth"]["accounts"]}
    assert accounts == {to_bech32(f.address): f.account_pub_key.hex() for f in founders}
    assert template["validators"] == []  # the template is not modified


def test_founders_get_equal_rep_when_reputation_is_wired() -> None:
    modules = default_wiring().modules
    founders = [_founder(0), _founder(1), _founder(2)]
    doc = genesis_document({}, modules, "t-3", founders)
    validate_app_state(modules, doc["app_state"], "t-3")
    rep = {b["address"]: b["amount"] for b in doc["app_state"]["reputation"]["balances"]}
    assert rep == {to_bech32(f.address): FOUNDER_REP for f in founders}

    bank = BankModule()
    without = genesis_document(
        {}, [AuthModule(bank.keeper, module_address(FEE_COLLECTOR)), bank], "t", founders
    )
    assert "reputation" not in without["app_state"]


def test_genesis_needs_a_founder() -> None:
    with pytest.raises(TestnetError, match="at least one founder"):
        genesis_document({}, [], "t", [])


def test_read_consensus_pub_key(tmp_path: Path) -> None:
    path = tmp_path / "priv_validator_key.json"
    key = bytes(range(32))
    path.write_text(
        json.dumps({"pub_key": {"type": "tendermint/PubKeyEd25519", "value": base64.b64encode(key).decode()}})
    )
    assert read_consensus_pub_key(path) == key
    path.write_text(json.dumps({"pub_key": {"type": "tendermint/PubKeySecp256k1", "value": "AA=="}}))
    with pytest.raises(TestnetError, match="not ed25519"):
        read_consensus_pub_key(path)
    path.write_text("{}")
    with pytest.raises(TestnetError, match="cannot read"):
        read_consensus_pub_key(path)


def test_the_transfer_example_goes_between_founders_even_with_full_nodes() -> None:
    """Founders are the validators: with full nodes behind them the example still names founders."""
    net = Testnet(Path("/x"), TestnetSpec(validators=5, full_nodes=1))
    assert transfer_example(net) == "bpdao tx send --home /x/node0 --from founder0 founder4 100 --wait"
    alone = Testnet(Path("/x"), TestnetSpec(validators=1, full_nodes=2))
    assert transfer_example(alone).endswith("--from founder0 founder0 100 --wait")
