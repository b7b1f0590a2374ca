"""The instruction-count benchmark's workload (what valgrind runs) takes its txs through every phase."""

from __future__ import annotations

import subprocess
import sys

import pytest

from abci_app.tooling import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "bench_instructions.py"


@pytest.mark.parametrize("phases", ["", "check", "check,recheck,deliver", "recheck,deliver"])
def test_the_workload_runs_each_phase_set_with_every_tx_accepted(phases: str) -> None:
    # the workload asserts that every CheckTx, recheck and block tx succeeds (code 0)
    args = ["--workload", "--txs", "5", "--blocks", "2", "--most", "3", "--phases", phases]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
