"""The blocks benchmark runs at a tiny size and prints its figures with the verdicts it must reach."""

from __future__ import annotations

import subprocess
import sys

from abci_app.tooling import REPO_ROOT


def test_bench_blocks_prints_figures_and_the_expected_verdicts() -> None:
    args = ["--view", "20", "--block", "10", "--repeat", "1", "--rollup", "1", "3", "--blocks", "12"]
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "bench_blocks.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any("block full" in line and line.endswith("(verdict byte 1)") for line in lines), lines
    assert any("withholding" in line and line.endswith("(verdict byte 2)") for line in lines), lines
    assert sum(line.startswith("blocks end_block, R=") for line in lines) == 2, lines
