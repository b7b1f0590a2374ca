"""A local testnet for one script run: created in a temp dir on free loopback ports, always stopped and
deleted at the end (scripts/bench_testnet.py, scripts/soak_testnet.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from abci_app.testnet.create import free_base_port  # noqa: E402


class Testnet:
    """``bpdao testnet`` commands on one testnet directory, answers parsed from their JSON output."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def run(self, *args: str) -> dict[str, Any]:
        cli = [sys.executable, "-m", "abci_app.cli.main", "testnet"]
        cmd = [*cli, *args, "--dir", str(self.root), "-o", "json"]
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            raise SystemExit(f"testnet {args[0]} failed: {done.stdout} {done.stderr}")
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    def start(self, validators: int, timeout_commit: str) -> dict[str, Any]:
        """Create and start it; returns what ``testnet start`` reports (``nodes`` with their addresses)."""
        return self.run(
            "start", "--validators", str(validators), "--timeout-commit", timeout_commit,
            "--base-port", str(free_base_port(validators)),
        )  # fmt: skip


@contextmanager
def throwaway_testnet(prefix: str) -> Iterator[Testnet]:
    root = Path(tempfile.mkdtemp(prefix=prefix)) / "net"
    net = Testnet(root)
    try:
        yield net
    finally:
        if (root / "testnet.json").exists():
            net.run("stop")
        shutil.rmtree(root.parent, ignore_errors=True)
