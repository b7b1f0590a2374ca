"""Start, inspect, stop and reset a whole testnet.

Start order per node: the app (ABCI + gRPC) first, then cometbft once the app's ABCI port accepts
(a node refuses to start without its app). Stop order: every cometbft first (so no node loses its
app mid-block), then every app.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from abci_app.cometbft_rpc import CometRpc, NodeRpcError, NodeUnreachable
from abci_app.testnet.create import create
from abci_app.testnet.layout import MANIFEST, NodeLayout, Testnet, TestnetError, TestnetSpec
from abci_app.testnet.processes import APP, COMETBFT, NodeProcess, stop_all, wait_for_port
from abci_app.tooling import cometbft_binary
from modules.core.module import Module

APP_READY_SECONDS = 60.0
STOP_GRACE_SECONDS = 10.0
STATUS_RPC_TIMEOUT = 2.0
POLL_SECONDS = 0.2

Note = Callable[[str], None]


@dataclass(frozen=True)
class NodeStatus:
    name: str
    role: str
    rpc: str
    grpc: str
    app_pid: int | None
    cometbft_pid: int | None
    height: int | None  # None: the node's RPC did not answer
    app_hash: str
    peers: int | None
    catching_up: bool | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def process(net: Testnet, node: NodeLayout, kind: str) -> NodeProcess:
    return NodeProcess(net.home(node), kind)


def node_status(net: Testnet, node: NodeLayout) -> NodeStatus:
    rpc = CometRpc(node.rpc_laddr, timeout=STATUS_RPC_TIMEOUT)
    height: int | None = None
    app_hash, peers, catching_up = "", None, None
    try:
        sync = rpc.status()["sync_info"]
        height = int(sync["latest_block_height"])
        app_hash = str(sync["latest_app_hash"])
        catching_up = bool(sync["catching_up"])
        peers = int(rpc.call("net_info")["n_peers"])
    except (NodeUnreachable, NodeRpcError, KeyError, TypeError, ValueError):
        pass  # reported as down / partly unknown
    return NodeStatus(
        name=node.name,
        role=node.role,
        rpc=node.rpc_laddr,
        grpc=node.grpc_address,
        app_pid=process(net, node, APP).pid(),
        cometbft_pid=process(net, node, COMETBFT).pid(),
        height=height,
        app_hash=app_hash,
        peers=peers,
        catching_up=catching_up,
    )


def status(net: Testnet) -> list[NodeStatus]:
    return [node_status(net, node) for node in net.nodes]


def open_or_create(
    root: Path, options: Mapping[str, Any], note: Note, modules: Sequence[Module] | None = None
) -> Testnet:
    """The testnet in ``root``, created from ``options`` (TestnetSpec fields) if absent.

    An existing testnet keeps its spec; an option that contradicts it is an error. ``modules``: as
    for :func:`create`.
    """
    unknown = set(options) - {f.name for f in fields(TestnetSpec)}
    if unknown:
        raise TestnetError(f"unknown testnet options: {', '.join(sorted(unknown))}")
    if not (root / MANIFEST).exists():
        net = create(root, TestnetSpec(**options), modules)
        note(f"created {len(net.nodes)} node homes in {root}")
        return net
    net = Testnet.load(root)
    current = net.spec.to_json()
    differ = [
        f"{key}={current[key]!r}" for key, value in sorted(options.items()) if getattr(net.spec, key) != value
    ]
    if differ:
        raise TestnetError(
            f"the testnet in {root} was created with {', '.join(differ)}; "
            f"run `bpdao testnet reset --dir {root}` to create a new one"
        )
    return net


def start(net: Testnet, note: Note, wait_height: int = 2, timeout: float = 90.0) -> list[NodeStatus]:
    """Start every stopped process, then wait (bounded) until every node has ``wait_height``.

    A cometbft still running beside a stopped app lost its ABCI connections, which it never opens
    again: it is shutting down, or will be of no use. It is stopped and started after the new app."""
    for node in net.nodes:
        app = process(net, node, APP)
        if app.pid() is None:
            if stop_all([process(net, node, COMETBFT)], STOP_GRACE_SECONDS):
                note(f"{node.name}: cometbft stopped (its app had stopped)")
            note(f"{node.name}: app started (pid {app.spawn()})")
    for node in net.nodes:
        wait_for_port(node.abci_port, process(net, node, APP), APP_READY_SECONDS)
    for node in net.nodes:
        cometbft = process(net, node, COMETBFT)
        if cometbft.pid() is None:
            note(f"{node.name}: cometbft started (pid {cometbft.spawn()})")
    return wait_for_height(net, wait_height, timeout)


def wait_for_height(net: Testnet, height: int, timeout: float) -> list[NodeStatus]:
    """Until every node has ``height`` and is not catching up (a restarted node first syncs from
    its peers); TestnetError naming the laggards otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        current = status(net)
        dead = [
            f"{s.name} {kind}"
            for s in current
            for kind, pid in ((APP, s.app_pid), (COMETBFT, s.cometbft_pid))
            if pid is None
        ]
        if dead:
            raise TestnetError(
                f"stopped: {', '.join(dead)}; see the logs: bpdao testnet logs --dir {net.root}"
            )
        if all(s.height is not None and s.height >= height and s.catching_up is False for s in current):
            return current
        if time.monotonic() > deadline:
            behind = ", ".join(
                f"{s.name} at {s.height}{' catching up' if s.catching_up else ''}" for s in current
            )
            raise TestnetError(f"not every node reached height {height} within {timeout:.0f}s ({behind})")
        time.sleep(POLL_SECONDS)


def stop(net: Testnet, grace: float = STOP_GRACE_SECONDS) -> list[NodeProcess]:
    """Stop every process (cometbft first); returns the ones that were running."""
    stopped = stop_all([process(net, n, COMETBFT) for n in net.nodes], grace)
    return stopped + stop_all([process(net, n, APP) for n in net.nodes], grace)


def reset(net: Testnet, keep_config: bool) -> None:
    """Stop, then delete the whole testnet, or (``keep_config``) only its chain data and logs:
    keys, genesis, configs and ports stay, and the next start replays from genesis."""
    stop(net)
    if not keep_config:
        shutil.rmtree(net.root)
        return
    for node in net.nodes:
        home = net.home(node)
        shutil.rmtree(home.data_dir(home.load_config()), ignore_errors=True)
        home.data_dir(home.load_config()).mkdir()
        shutil.rmtree(home.log_dir, ignore_errors=True)
        home.log_dir.mkdir()
        done = subprocess.run(
            [str(cometbft_binary()), "unsafe-reset-all", "--home", str(home.cometbft_home)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise TestnetError(f"{node.name}: cometbft unsafe-reset-all failed: {done.stderr.strip()}")
