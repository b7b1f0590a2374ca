"""The README's main command: ``scripts/demo.py`` end to end on a 4-validator testnet in a temp dir.

The REP figures follow from the scenario: 4 founders with 1,000 REP each, a 1,000-token work fee
(1,000 REP minted: 500 to the evidence post, which passes 20 % to the post it cites, 500 to the four
stakes in favour of 1,000 REP each), so founder0 (expert) 1000+400+125, founder1 (cited) 1000+100+125,
founder2 and founder3 1000+125. Salary: the work fee by REP before the pool (250 each) plus tx fees.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from abci_app.testnet import network
from abci_app.testnet.create import free_base_port
from abci_app.testnet.layout import MANIFEST, Testnet
from abci_app.tooling import REPO_ROOT
from tests.integration.test_testnet import pids_running_under

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

DEMO = REPO_ROOT / "scripts" / "demo.py"
WORK_FEE = 1_000  # tokens, paid as salary to the founders' REP


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    """The demo's testnet dir; stopped afterwards whatever happened (e.g. the demo timed out)."""
    path = tmp_path / "testnet"
    try:
        yield path
    finally:
        if (path / MANIFEST).exists():
            network.stop(Testnet.load(path))


def run_demo(root: Path, base_port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(DEMO), "--dir", str(root), "--base-port", str(base_port)],
        cwd=root.parent,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def one(pattern: str, text: str) -> re.Match[str]:
    found = re.findall(pattern, text, flags=re.MULTILINE)
    assert len(found) == 1, f"{pattern!r} found {len(found)} times in:\n{text}"
    match = re.search(pattern, text, flags=re.MULTILINE)
    assert match is not None
    return match


def test_demo_runs_the_testnet_and_the_work_loop_then_stops(root: Path) -> None:
    done = run_demo(root, free_base_port(4))
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert pids_running_under(root) == [], "the demo left processes running"

    # every command is echoed, pointed at a node
    assert "$ bpdao testnet start --dir" in out
    assert re.search(r"^\$ bpdao tx send --from founder0 bpdao1\w+ 10000 --wait --home \S+/node0$", out, re.M)
    assert "every node: same height, same app hash" in out
    for i in range(4):
        # peering may still be completing at height 2 (a node can show 2 of its 3 peers)
        one(rf"^    node{i}: height \d+, app hash [0-9A-F]{{16}}…, [123] peers$", out)
    # the transfer is read back on another node
    one(r"^\$ bpdao query account bpdao1\w+ --home \S+/node3\n    client: balance 10000 ", out)

    one(r"^    request 1: assigned, expert founder0, fee 1000$", out)
    earlier = one(
        r"^\$ bpdao tx forum post --from founder0 --content 'stored it' --cite (\d+):200000 --wait", out
    )
    one(r"^    request 1: accepted \(the pool resolved at its end\)$", out)
    # Every block is work: block pools keep minting REP to producers and policing stakes, so the
    # founders' REP is no round number; the work pool's citation flow is: 500 for the evidence post,
    # 20 % of it passed on to the cited post.
    outcome = out[out.index("== the outcome") :]
    for i in range(4):
        one(rf"^    founder{i}: \d+ REP \(\d+ staked, \d+ free\)$", outcome)
    one(r"^    REP supply \d+ ", out)
    one(rf"^    post {earlier.group(1)}: value 100 REP$", out)
    one(r"^    post \d+: value 400 REP$", out)

    claimable = [int(m) for m in re.findall(r"^    founder\d can claim (\d+)$", out, re.M)]
    # the work fee was paid to the founders' REP (whole tokens each; the dust stays accrued)
    assert len(claimable) == 4 and sum(claimable) >= WORK_FEE - 4, claimable
    claim = one(r"^    balance \d+: \+(\d+) = claimed (\d+) - tx fee (\d+)$", out)
    received, claimed, fee = (int(g) for g in claim.groups())
    # salary keeps coming (each block's pool pays its fees and tax) between the query and the claim
    assert received == claimed - fee and claimed >= claimable[1]
    if claimed > claimable[1]:
        more = claimed - claimable[1]
        one(rf"^    \({more} more than a moment ago: each block's pool pays salary too\)$", out)

    one(r"^    .*validation_pool \(\d+ keys\)", out)
    one(r"^    stopped 8 processes ", out)
    assert out.rstrip().splitlines()[-1].startswith("demo done in ")


def test_demo_reports_a_failure_and_exits_non_zero(root: Path) -> None:
    """A port of the testnet's range is taken: the start fails, the demo says why and exits 1."""
    base = free_base_port(4)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", base + 11))  # node1's cometbft RPC port
        done = run_demo(root, base)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED: bpdao testnet start" in done.stdout
    assert f"ports in use on 127.0.0.1: {base + 11}" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("demo FAILED in ")
    assert pids_running_under(root) == []
