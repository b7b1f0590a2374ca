"""Figures of a local testnet: time from nothing to height 2 on every node, and blocks/s.

    python scripts/bench_testnet.py [--validators 4] [--timeout-commit 500ms] [--seconds 20]

Creates a fresh testnet in a temp dir on free loopback ports, measures, stops and deletes it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from abci_app.cometbft_rpc import CometRpc  # noqa: E402
from abci_app.testnet.create import free_base_port  # noqa: E402


def testnet(root: Path, *args: str) -> dict[str, object]:
    cmd = [sys.executable, "-m", "abci_app.cli.main", "testnet", *args, "--dir", str(root), "-o", "json"]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise SystemExit(f"testnet {args[0]} failed: {done.stdout} {done.stderr}")
    result: dict[str, object] = json.loads(done.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--validators", type=int, default=4)
    parser.add_argument("--timeout-commit", default="500ms")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to count blocks")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-testnet-")) / "net"
    try:
        began = time.monotonic()
        started = testnet(
            root, "start", "--validators", str(args.validators), "--timeout-commit", args.timeout_commit,
            "--base-port", str(free_base_port(args.validators)),
        )  # fmt: skip
        to_height_2 = time.monotonic() - began
        nodes = started["nodes"]
        assert isinstance(nodes, list)
        rpc = CometRpc(nodes[0]["rpc"])
        first, t0 = rpc.latest_height(), time.monotonic()
        time.sleep(args.seconds)
        last, t1 = rpc.latest_height(), time.monotonic()
        print(
            f"testnet {args.validators} validators, timeout_commit {args.timeout_commit}: "
            f"create + start to height 2 on every node {to_height_2:.1f}s; "
            f"{(last - first) / (t1 - t0):.2f} blocks/s over {t1 - t0:.0f}s ({last - first} blocks)"
        )
    finally:
        if (root / "testnet.json").exists():
            testnet(root, "stop")
        shutil.rmtree(root.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
