"""A CometBFT network on loopback: homes, ports, genesis, and reading its blocks back over RPC."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from benchnode.processes import free_ports

CHAIN_ID = "bpdao-bench"
BLOCK_MAX_BYTES = 4 * 1024 * 1024  # cometbft init's default; `cometbft testnet` writes a much larger one


def rpc(port: int, path: str, timeout: float = 10.0) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=timeout) as resp:
        return json.load(resp)["result"]


def latest_height(port: int) -> int:
    return int(rpc(port, "status")["sync_info"]["latest_block_height"])


def parse_time_ns(text: str) -> int:
    """RFC 3339 with up to 9 fractional digits (as CometBFT prints it) to unix ns."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)", text)
    if not match:
        raise ValueError(f"unexpected time format {text!r}")
    base, frac, zone = match.groups()
    seconds = datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone)).timestamp()
    return int(seconds) * 1_000_000_000 + int((frac or "").ljust(9, "0"))


@dataclass(frozen=True)
class Block:
    height: int
    header_ns: int  # BFT time: the median precommit time of the previous height
    commit_ns: int  # median precommit time of this height: when it was decided
    tx_hashes: tuple[str, ...]


def read_block(port: int, height: int) -> Block:
    block = rpc(port, f"block?height={height}")["block"]
    txs = block["data"]["txs"] or []
    hashes = tuple(hashlib.sha256(base64.b64decode(tx)).hexdigest().upper() for tx in txs)
    commit = rpc(port, f"commit?height={height}")["signed_header"]["commit"]
    stamps = [parse_time_ns(s["timestamp"]) for s in commit["signatures"] if s.get("signature")]
    return Block(height, parse_time_ns(block["header"]["time"]), int(statistics.median_low(stamps)), hashes)


def wait_for_height(port: int, height: int, timeout: float, alive: Callable[[], None]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive()
        try:
            if latest_height(port) >= height:
                return
        except (OSError, urllib.error.URLError, KeyError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"node on RPC port {port} did not reach height {height} within {timeout:.0f}s")


@dataclass
class Node:
    index: int
    home: Path
    rpc_port: int
    p2p_port: int
    abci_port: int
    node_id: str = ""


def set_toml(text: str, section: str, key: str, value: str) -> str:
    """Replace ``key = …`` inside ``[section]`` ("" = top level) of a CometBFT config.toml."""
    header = re.compile(r"^\[([^\]]+)\]\s*$", re.MULTILINE)
    bounds = [(m.group(1), m.start(), m.end()) for m in header.finditer(text)]
    if section == "":
        start, end = 0, bounds[0][1] if bounds else len(text)
    else:
        idx = next(i for i, b in enumerate(bounds) if b[0] == section)
        start = bounds[idx][2]
        end = bounds[idx + 1][1] if idx + 1 < len(bounds) else len(text)
    body, count = re.subn(
        rf"^{re.escape(key)} = .*$", f"{key} = {value}", text[start:end], count=1, flags=re.M
    )
    if count != 1:
        raise KeyError(f"{key} not found in [{section}] of config.toml")
    return text[:start] + body + text[end:]


def init_network(
    cometbft: Path, root: Path, count: int, timeout_commit: str, mempool_size: int
) -> list[Node]:
    """``cometbft testnet`` homes for ``count`` validators, rewired onto distinct loopback ports."""
    subprocess.run(
        [str(cometbft), "testnet", "--v", str(count), "--o", str(root), "--starting-ip-address", "127.0.0.1"],
        check=True,
        capture_output=True,
    )
    ports = free_ports(3 * count)
    nodes = [
        Node(i, root / f"node{i}", ports[3 * i], ports[3 * i + 1], ports[3 * i + 2]) for i in range(count)
    ]
    for node in nodes:
        node.node_id = subprocess.run(
            [str(cometbft), "show-node-id", "--home", str(node.home)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    for node in nodes:
        peers = ",".join(f"{p.node_id}@127.0.0.1:{p.p2p_port}" for p in nodes if p is not node)
        path = node.home / "config" / "config.toml"
        text = path.read_text()
        for section, key, value in [
            ("", "proxy_app", f'"tcp://127.0.0.1:{node.abci_port}"'),
            ("rpc", "laddr", f'"tcp://127.0.0.1:{node.rpc_port}"'),
            ("p2p", "laddr", f'"tcp://127.0.0.1:{node.p2p_port}"'),
            ("p2p", "persistent_peers", f'"{peers}"'),
            ("p2p", "allow_duplicate_ip", "true"),
            ("p2p", "addr_book_strict", "false"),
            ("mempool", "size", str(mempool_size)),
            ("consensus", "timeout_commit", f'"{timeout_commit}"'),
        ]:
            text = set_toml(text, section, key, value)
        path.write_text(text)
    return nodes


def edit_genesis(nodes: list[Node], edit: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``edit`` to node0's genesis and copy the result to every node (they must be identical)."""
    path = nodes[0].home / "config" / "genesis.json"
    genesis: dict[str, Any] = json.loads(path.read_text())
    genesis["chain_id"] = CHAIN_ID
    genesis["consensus_params"]["block"]["max_bytes"] = str(BLOCK_MAX_BYTES)
    edit(genesis)
    text = json.dumps(genesis, indent=2)
    for node in nodes:
        (node.home / "config" / "genesis.json").write_text(text)
