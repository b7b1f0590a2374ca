"""Figures of a local testnet: time from nothing to height 2 on every node, and blocks/s.

    python scripts/bench_testnet.py [--validators 4] [--timeout-commit 500ms] [--seconds 20]

Creates a fresh testnet in a temp dir on free loopback ports, measures, stops and deletes it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from throwaway_testnet import throwaway_testnet  # noqa: E402

from abci_app.cometbft_rpc import CometRpc  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--validators", type=int, default=4)
    parser.add_argument("--timeout-commit", default="500ms")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to count blocks")
    args = parser.parse_args()
    with throwaway_testnet("bench-testnet-") as net:
        began = time.monotonic()
        started = net.start(args.validators, args.timeout_commit)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
