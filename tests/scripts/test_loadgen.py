"""The Go load generator's own tests (scripts/loadgen/main_test.go), run with the Python suite."""

from __future__ import annotations

import subprocess

from abci_app.tooling import REPO_ROOT


def test_loadgen_go_tests_pass() -> None:
    proc = subprocess.run(
        ["go", "test", "-count=1", "./..."],
        cwd=REPO_ROOT / "scripts" / "loadgen",
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok" in proc.stdout
