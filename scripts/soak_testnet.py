"""Soak a local testnet under transfers while killing its processes; check every node still agrees.

    python scripts/soak_testnet.py [--validators 4] [--seconds 90] [--fault-every 15] [--seed 1]

Creates a fresh testnet (PoR on, as `bpdao testnet start` makes it) in a temp dir on free loopback
ports. Each founder sends transfers of 1 token to the next founder through its own node's RPC
(`broadcast_tx_sync`, nonces in order, as a wallet pinned to one node does). Every `--fault-every`
seconds a node's app or cometbft, drawn with `--seed`, gets SIGKILL; after 0.5-3 s `testnet start`
restarts what is stopped (the node's handshake replays what its app is missing). After `--seconds` the
load stops and, once every node is 3 blocks past the highest height then, the script compares the app hash
of one height on every node and looks for tracebacks in the apps' logs. Everything is bounded: the
testnet is stopped and deleted however the run ends.

Prints the faults, the load (accepted, refused by code, unanswered while a node was down), heights,
the app hashes and each process's resident memory; exit 0 only if every node agrees and caught up, and
no app logged a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from throwaway_testnet import Testnet, throwaway_testnet  # noqa: E402

from abci_app.cometbft_rpc import CometRpc, NodeRpcError, NodeUnreachable  # noqa: E402
from abci_app.keyring import Keyring  # noqa: E402
from abci_app.txcodec import sign_tx  # noqa: E402
from modules.bank.types import MsgSend  # noqa: E402

CATCH_UP_BLOCKS = 3
CATCH_UP_TIMEOUT_S = 120.0
_EXPECTED_NONCE = re.compile(r"wrong nonce: expected (\d+)")


class Sender(threading.Thread):
    """One founder's transfers through one node, nonces in order, until ``stop`` is set."""

    def __init__(self, seed: bytes, to: bytes, rpc: CometRpc, chain_id: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.seed, self.to, self.rpc, self.chain_id, self.stop = seed, to, rpc, chain_id, stop
        self.outcomes: Counter[str] = Counter()

    def run(self) -> None:
        nonce = 0
        while not self.stop.is_set():
            tx = sign_tx(
                self.seed, [MsgSend(to=self.to, amount=1)], chain_id=self.chain_id, nonce=nonce, fee=1
            )
            try:
                answer = self.rpc.broadcast_tx_sync(tx)
            except NodeUnreachable:
                self.outcomes["node down"] += 1
                time.sleep(0.2)
                continue
            except NodeRpcError as exc:
                if "already exists in cache" in str(exc):  # sent before the node went down
                    nonce += 1
                self.outcomes[f"rpc error: {str(exc)[:60]}"] += 1
                time.sleep(0.1)
                continue
            if answer.code == 0:
                self.outcomes["accepted"] += 1
                nonce += 1
                continue
            self.outcomes[f"refused {answer.codespace}/{answer.code}"] += 1
            expected = _EXPECTED_NONCE.search(answer.log)
            if expected:  # a restarted node's check state: take its word for the next nonce
                nonce = int(expected.group(1))
            time.sleep(0.05)


def kill(node_dir: Path, what: str) -> bool:
    try:
        os.kill(int((node_dir / f"{what}.pid").read_text()), signal.SIGKILL)
    except (OSError, ValueError):
        return False
    return True


def resident_mb(node_dir: Path, what: str) -> int | None:
    """VmRSS of the node's ``what`` process in MiB (Linux), None if it is not running."""
    try:
        status = Path(f"/proc/{int((node_dir / f'{what}.pid').read_text())}/status").read_text()
    except (OSError, ValueError):
        return None
    kib = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None)
    return None if kib is None else kib // 1024


def heights(rpcs: list[CometRpc]) -> list[int]:
    out = []
    for rpc in rpcs:
        try:
            out.append(rpc.latest_height())
        except (NodeUnreachable, NodeRpcError):
            out.append(-1)
    return out


def soak(net: Testnet, args: argparse.Namespace) -> bool:
    rng = random.Random(args.seed)
    root = net.root
    started = net.start(args.validators, args.timeout_commit)
    nodes = started["nodes"]
    rpcs = [CometRpc(node["rpc"], timeout=5.0) for node in nodes]
    node_dirs = [root / f"node{i}" for i in range(len(nodes))]
    keyring = Keyring(node_dirs[0], backend="test")
    names = [f"founder{i}" for i in range(args.validators)]
    seeds = [keyring.seed(name) for name in names]
    addresses = [keyring.show(name).address for name in names]
    chain_id = json.loads((node_dirs[0] / "cometbft" / "config" / "genesis.json").read_text())["chain_id"]

    stop = threading.Event()
    senders = [
        Sender(seeds[i], addresses[(i + 1) % len(seeds)], rpcs[i], chain_id, stop) for i in range(len(seeds))
    ]
    for sender in senders:
        sender.start()
    faults: list[str] = []
    began = time.monotonic()
    next_fault = began + args.fault_every
    try:
        while time.monotonic() - began < args.seconds:
            time.sleep(max(0.0, min(next_fault, began + args.seconds) - time.monotonic()))
            if time.monotonic() < next_fault or time.monotonic() - began >= args.seconds:
                continue
            node, what = rng.randrange(len(nodes)), rng.choice(["app", "app", "cometbft"])
            if kill(node_dirs[node], what):
                faults.append(f"{time.monotonic() - began:.0f}s node{node} {what}")
            time.sleep(rng.uniform(0.5, 3.0))
            net.run("start")
            next_fault = time.monotonic() + args.fault_every
    finally:
        stop.set()
        for sender in senders:
            sender.join(10)
    load_end_height = max(heights(rpcs))
    deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
    while min(now := heights(rpcs)) < load_end_height + CATCH_UP_BLOCKS and time.monotonic() < deadline:
        time.sleep(0.5)
    caught_up = min(now) >= load_end_height + CATCH_UP_BLOCKS
    height = min(now)
    hashes = {
        f"node{i}": rpc.block_app_hash(height).hex().upper() for i, rpc in enumerate(rpcs) if now[i] > 0
    }
    tracebacks = [
        str(log.relative_to(root))
        for log in sorted(root.glob("node*/logs/app*.log"))
        if re.search(r"Traceback|CRITICAL", log.read_text(errors="replace"))
    ]
    load: Counter[str] = Counter()
    for sender in senders:
        load.update(sender.outcomes)
    print(f"faults ({len(faults)}): {', '.join(faults) or 'none'}")
    print("load: " + ", ".join(f"{key} {count}" for key, count in sorted(load.items())))
    print(f"heights {now} (highest when the load stopped: {load_end_height}); app hash of block {height}:")
    for name, app_hash in hashes.items():
        print(f"  {name} {app_hash}")
    print(f"app logs with a traceback: {', '.join(tracebacks) or 'none'}")
    memory = [
        f"node{i} {resident_mb(d, 'app')}/{resident_mb(d, 'cometbft')}" for i, d in enumerate(node_dirs)
    ]
    print(f"resident MiB app/cometbft: {', '.join(memory)}")
    agree = len(set(hashes.values())) == 1 and len(hashes) == len(nodes)
    ok = agree and caught_up and not tracebacks and load["accepted"] > 0
    print("OK: every node agrees" if ok else "FAILED")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--validators", type=int, default=4)
    parser.add_argument("--timeout-commit", default="300ms")
    parser.add_argument("--seconds", type=float, default=90.0, help="how long the load and the faults run")
    parser.add_argument("--fault-every", type=float, default=15.0, help="seconds between faults")
    parser.add_argument("--seed", type=int, default=1, help="draws the faults (node, app or cometbft)")
    args = parser.parse_args()
    with throwaway_testnet("soak-testnet-") as net:
        return 0 if soak(net, args) else 1


if __name__ == "__main__":
    sys.exit(main())
