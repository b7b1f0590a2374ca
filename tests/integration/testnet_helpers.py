"""Helpers shared by the tests that run a real ``bpdao testnet`` and read it back.

Reads of several app queries at one committed height, a block's FinalizeBlock events by type, and a
teardown that leaves no process of the testnet running whatever state it is in.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from abci_app.cometbft_rpc import CometRpc
from abci_app.rpc.client import BpdaoClient
from abci_app.tooling import REPO_ROOT
from tests.integration.test_testnet import pids_running_under


def stop_testnet(root: Path) -> None:
    """``bpdao testnet stop``, then SIGKILL whatever still runs under ``root`` (only ours, by path)."""
    if (root / "testnet.json").exists():
        subprocess.run(
            [sys.executable, "-m", "abci_app.cli.main", "testnet", "stop", "--dir", str(root)],
            cwd=REPO_ROOT,
            capture_output=True,
            timeout=120,
            check=False,
        )
    for pid in pids_running_under(root):  # only if stopping failed
        os.kill(pid, signal.SIGKILL)


def events(rpc: CometRpc, height: int, kind: str) -> list[dict[str, str]]:
    """The attributes of each FinalizeBlock event of type ``kind`` in block ``height``."""
    answer = rpc.call("block_results", {"height": str(height)})["finalize_block_events"] or []
    return [{a["key"]: a["value"] for a in e["attributes"]} for e in answer if e["type"] == kind]


Read = tuple[int, dict[str, Any], int, list[str], list[dict[str, Any]]]


def consistent_read(grpc: str, member: str) -> Read:
    """(app height, the member's block_production stake, REP burned so far, committee, the member's
    slash records), all at one height."""
    with BpdaoClient(grpc) as client:
        for _ in range(50):
            before = client.status().app_height
            [stake] = [
                s
                for s in client.query("/availability/stakes_by_member", member=member)["stakes"]
                if s["kind"] == "block_production"
            ]
            burned = client.query("/reputation/supply")["burned"]
            committee = [v["validator_address"] for v in client.query("/producers/validators")]
            slashes = client.query("/producers/slashes", member=member)["records"]
            if client.status().app_height == before:
                return before, stake, burned, committee, slashes
    raise AssertionError(f"{grpc}: the app's height moved under every read")
