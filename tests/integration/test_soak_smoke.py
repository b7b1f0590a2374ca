"""Smoke test of the soak: a short run of scripts/soak_testnet.py on the real binary.

Four validators under transfers; two processes (drawn with a fixed seed) get SIGKILL and are restarted
while the load runs. The script checks that every node caught up to one app hash and that no app logged
a traceback; here we check that it says so, that the faults and the load really happened, and that the
throwaway testnet leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from abci_app.tooling import REPO_ROOT
from tests.integration.test_testnet import pids_running_under

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

SOAK = REPO_ROOT / "scripts" / "soak_testnet.py"


def test_a_short_soak_with_kills_ends_with_every_node_agreeing(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run(
        [sys.executable, str(SOAK), "--seconds", "20", "--fault-every", "8", "--seed", "2"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=280, env={**os.environ, "TMPDIR": str(work)},
    )  # fmt: skip
    report = proc.stdout
    assert proc.returncode == 0, report + proc.stderr
    assert "OK: every node agrees" in report
    faults = re.search(r"faults \((\d+)\)", report)
    assert faults is not None and int(faults.group(1)) >= 1, report
    accepted = re.search(r"accepted (\d+)", report)
    assert accepted is not None and int(accepted.group(1)) > 100, report
    hashes = re.findall(r"^  node\d ([0-9A-F]{64})$", report, flags=re.MULTILINE)
    assert len(hashes) == 4 and len(set(hashes)) == 1, report
    assert list(work.iterdir()) == [], "the soak left its testnet behind"
    assert pids_running_under(work) == [], "the soak left processes running"
