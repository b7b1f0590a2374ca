"""One-node devnet demo: init a fresh home, start the node, send a transfer, show balances, stop.

Run with `python3 scripts/devnet.py` after ./scripts/setup.sh. ``--keep`` leaves the node running.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from abci_app.keyring import Keyring  # noqa: E402
from abci_app.node import Home, free_loopback_ports  # noqa: E402
from abci_app.rpc.client import BpdaoClient, BpdaoError  # noqa: E402

CHAIN_ID = "bpdao-devnet"
START_TIMEOUT = 90.0


def bpdao(home: Path, *args: str, show: bool = True) -> dict[str, Any]:
    """Run one CLI command (as a user would) and return its JSON output."""
    if show:
        print(f"$ bpdao {shlex.join(args)}", flush=True)
    cmd = [sys.executable, "-m", "abci_app.cli.main", *args, "--home", str(home), "--output", "json"]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    data: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip() else {}
    if done.returncode != 0:
        raise SystemExit(
            f"bpdao {args[0]} failed ({done.returncode}): {data.get('error') or done.stderr.strip()}"
        )
    return data


def wait_for_blocks(client: BpdaoClient, node: subprocess.Popen[bytes], height: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if node.poll() is not None:
            raise SystemExit(f"bpdao start exited with code {node.returncode}; see the logs in its home")
        try:
            if client.status().app_height >= height:
                return
        except BpdaoError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"no block {height} within {START_TIMEOUT:.0f}s")


def blocks_per_second(client: BpdaoClient, seconds: float) -> float:
    first = client.status().app_height
    start = time.monotonic()
    time.sleep(seconds)
    last = client.status().app_height
    return (last - first) / (time.monotonic() - start)


def transfer_latencies(home: Path, client: BpdaoClient, count: int) -> list[float]:
    """Broadcast -> committed, seconds, for ``count`` transfers alice -> bob sent through gRPC."""
    from abci_app.txcodec import sign_tx
    from modules.bank.types import MsgSend

    keyring = Keyring(home, "test")
    alice, bob = keyring.show("alice"), keyring.show("bob")
    seed = keyring.seed("alice")
    fee = int(client.params().get("auth", {}).get("min_fee", 0))
    latencies = []
    for _ in range(count):
        nonce = client.account(alice.address).nonce
        tx = sign_tx(
            seed, [MsgSend(to=bob.address, amount=1)], chain_id=CHAIN_ID, nonce=nonce, fee=fee, memo=""
        )
        start = time.monotonic()
        result = client.broadcast(tx, wait=True)
        latencies.append(time.monotonic() - start)
        if not result.ok:
            raise SystemExit(f"transfer failed: {result}")
    return latencies


def show_balances(home: Path) -> None:
    for name in ("alice", "bob"):
        acct = bpdao(home, "query", "account", name)
        print(f"    {name}: {acct['balance']} (nonce {acct['nonce']})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--home", default=str(REPO / ".bpdao-devnet"), help="devnet home (recreated each run)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the node running after the demo (Ctrl-C stops)"
    )
    args = parser.parse_args()
    home = Path(args.home).resolve()
    if home.exists():
        if not Home(home).is_initialised():
            raise SystemExit(f"{home} exists and is not a bpdao home; not deleting it")
        shutil.rmtree(home)

    abci, grpc_port, rpc, p2p = free_loopback_ports(4)
    grpc_address = f"127.0.0.1:{grpc_port}"
    bpdao(
        home, "init", "--chain-id", CHAIN_ID, "--moniker", "devnet-0", "--keyring-backend", "test",
        "--founder", "alice:1000000000", "--founder", "bob:1000",
        "--abci", f"tcp://127.0.0.1:{abci}", "--grpc", grpc_address,
        "--rpc", f"tcp://127.0.0.1:{rpc}", "--p2p", f"tcp://127.0.0.1:{p2p}",
    )  # fmt: skip
    print(f"$ bpdao start --home {home}   (logs in {home / 'logs'})", flush=True)
    (home / "logs").mkdir(exist_ok=True)
    with (home / "logs" / "app.log").open("ab") as app_log:
        node = subprocess.Popen(
            [sys.executable, "-m", "abci_app.cli.main", "start", "--home", str(home)],
            cwd=REPO,
            stdout=app_log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            with BpdaoClient(grpc_address) as client:
                wait_for_blocks(client, node, 2)
                status = bpdao(home, "status")
                print(f"    chain {status['chain_id']} at height {status['app_height']}")
                rate = blocks_per_second(client, 3.0)
                print(f"    producing {rate:.2f} blocks/s")
                print("balances before:")
                show_balances(home)
                sent = bpdao(
                    home, "tx", "send", "--from", "alice", "bob", "12345", "--memo", "hello", "--wait"
                )
                print(f"    tx {sent['hash']} committed in block {sent['height']} (fee {sent['fee']})")
                print("balances after:")
                show_balances(home)
                latencies = transfer_latencies(home, client, 5)
                print(
                    "transfer latency, broadcast to commit, 5 transfers:"
                    f" median {statistics.median(latencies):.3f}s, max {max(latencies):.3f}s"
                )
            if args.keep:
                print(f"devnet running (gRPC {grpc_address}); Ctrl-C to stop", flush=True)
                signal.signal(signal.SIGINT, lambda *_: node.send_signal(signal.SIGTERM))
                node.wait()
        finally:
            if node.poll() is None:
                node.send_signal(signal.SIGTERM)
                try:
                    node.wait(30)
                except subprocess.TimeoutExpired:
                    node.kill()
                    node.wait()
    print(f"devnet stopped (exit code {node.returncode}); home kept at {home}")
    return 0 if node.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
