"""Create a testnet directory: node homes, founder keys, one genesis, configs with persistent peers.

``<dir>/testnet.json`` is written last: its presence marks a complete testnet.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import shutil
import socket
from collections.abc import Sequence
from pathlib import Path

from abci_app.keyring import Backend, Keyring
from abci_app.node import (
    AppConfig,
    NodeSettings,
    cometbft_init,
    configure_cometbft,
    port_pool,
    set_toml_value,
)
from abci_app.testnet.genesis import Founder, genesis_document, read_consensus_pub_key
from abci_app.testnet.layout import (
    LOOPBACK,
    MANIFEST,
    PORTS_PER_NODE,
    NodeLayout,
    Testnet,
    TestnetError,
    TestnetSpec,
)
from modules.core.module import Module

KEYRING_BACKEND: Backend = "test"  # unencrypted: a local testnet only
NODE_LOG_LEVEL = "error"  # 2 cores, N nodes: keep cometbft's output small


def founder_key_name(node: NodeLayout) -> str:
    return f"founder{node.index}"


def node_id(node_key_json: Path) -> str:
    """CometBFT's node ID: hex of SHA-256(ed25519 public key)[:20] (the key file holds seed ‖ public key)."""
    try:
        raw = base64.b64decode(json.loads(node_key_json.read_text())["priv_key"]["value"], validate=True)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TestnetError(f"cannot read the node key in {node_key_json}: {exc!r}") from None
    if len(raw) != 64:
        raise TestnetError(f"{node_key_json}: expected a 64-byte ed25519 private key")
    return hashlib.sha256(raw[32:]).digest()[:20].hex()


def busy_ports(ports: list[int]) -> list[int]:
    """Those of ``ports`` a listener cannot bind on 127.0.0.1 right now.

    The probe binds as cometbft, gRPC and our ABCI server do, with SO_REUSEADDR: a port whose
    connections from the last run linger in TIME_WAIT (for a minute after ``testnet stop``) is free
    for them, and only a socket bound to it now makes it busy."""
    busy = []
    for port in ports:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((LOOPBACK, port))
            except OSError:
                busy.append(port)
    return busy


def free_base_port(nodes: int) -> int:
    """A base port whose ports for ``nodes`` nodes are all free right now (for tests and scripts),
    drawn at random outside the kernel's ephemeral range (see :func:`abci_app.node.port_pool`)."""
    span = PORTS_PER_NODE * nodes
    pool = port_pool(span)
    for _ in range(64):
        base = pool[secrets.randbelow(len(pool))]
        base -= base % PORTS_PER_NODE
        ports = list(range(base, base + span))
        if base >= pool.start and not busy_ports(ports):
            return base
    raise TestnetError(f"found no free range of {span} ports on {LOOPBACK}")


def persistent_peers(net: Testnet, node: NodeLayout, ids: dict[str, str]) -> str:
    """Every other node, as ``id@127.0.0.1:p2p_port`` (a full mesh)."""
    return ",".join(f"{ids[n.name]}@{LOOPBACK}:{n.p2p_port}" for n in net.nodes if n != node)


def _configure_node(net: Testnet, node: NodeLayout, ids: dict[str, str]) -> None:
    home = net.home(node)
    settings = NodeSettings(
        moniker=node.name,
        proxy_app=node.abci_address,
        rpc_laddr=node.rpc_laddr,
        p2p_laddr=node.p2p_laddr,
        timeout_commit=net.spec.timeout_commit,
    )
    text = configure_cometbft(home.cometbft_config.read_text(), settings)
    for section, key, value in (
        ("", "log_level", NODE_LOG_LEVEL),
        ("p2p", "persistent_peers", persistent_peers(net, node, ids)),
        ("p2p", "addr_book_strict", False),  # peers on 127.0.0.1 are not "routable"
        ("p2p", "pex", False),  # the persistent peers are the whole network
    ):
        text = set_toml_value(text, section, key, value)
    home.cometbft_config.write_text(text)
    config = AppConfig(
        chain_id=net.spec.chain_id,
        abci_address=node.abci_address,
        grpc_address=node.grpc_address,
        node_rpc=node.rpc_laddr,
        keyring_backend=KEYRING_BACKEND,
    )
    home.data_dir(config).mkdir(parents=True, exist_ok=True)
    home.log_dir.mkdir(parents=True, exist_ok=True)
    home.write_config(config)


def _founders(net: Testnet) -> list[Founder]:
    """One founder key per validator, created in the testnet's keyring and copied into each node's."""
    shared = Keyring(net.root, KEYRING_BACKEND)
    founders = []
    for node in net.validators:
        info, seed = shared.add(founder_key_name(node))
        for other in net.nodes:
            Keyring(net.home(other).root, KEYRING_BACKEND).add(info.name, seed)
        consensus_key = read_consensus_pub_key(
            net.home(node).cometbft_home / "config" / "priv_validator_key.json"
        )
        founders.append(Founder(info.name, info.pub_key, consensus_key, stake=net.spec.founder_stake))
    return founders


def production_modules() -> Sequence[Module]:
    from abci_app.wiring import default_wiring

    return default_wiring().modules


def create(root: Path, spec: TestnetSpec, modules: Sequence[Module] | None = None) -> Testnet:
    """Create a new testnet in ``root`` (absent or empty). TestnetError if that is not possible.

    ``modules``: whose genesis sections app_state has (default: the app's wiring).
    """
    problem = spec.problem()
    if problem:
        raise TestnetError(problem)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise TestnetError(f"{root} exists and is not an empty directory or a testnet (no {MANIFEST})")
    net = Testnet(root, spec)
    busy = busy_ports([port for node in net.nodes for port in node.ports])
    if busy:
        raise TestnetError(
            f"ports in use on {LOOPBACK}: {', '.join(map(str, busy))}; choose another --base-port"
        )
    chosen = production_modules() if modules is None else modules
    existed = root.exists()
    root.mkdir(parents=True, exist_ok=True)
    try:
        _populate(net, chosen)
    except BaseException:
        # It was absent or empty: leave nothing half made.
        for child in root.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        if not existed:
            root.rmdir()
        raise
    return net


def _populate(net: Testnet, modules: Sequence[Module]) -> None:
    for node in net.nodes:
        cometbft_init(net.home(node))
    ids = {
        node.name: node_id(net.home(node).cometbft_home / "config" / "node_key.json") for node in net.nodes
    }
    founders = _founders(net)
    template = net.home(net.nodes[0]).load_genesis()
    overrides = net.spec.genesis_overrides()
    genesis = genesis_document(template, modules, net.spec.chain_id, founders, overrides)
    for node in net.nodes:
        net.home(node).write_genesis(genesis)
        _configure_node(net, node, ids)
    net.write_manifest()
