"""Run one real cometbft node for a test: temp home, free loopback ports, JSON-RPC, bounded waits.

with CometNode.init(home, proxy_app="tcp://127.0.0.1:26658") as node:
    node.start()
    node.wait_for_height(2)
    node.rpc("broadcast_tx_commit", tx=base64.b64encode(b"tx").decode())
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from abci_app.node import free_loopback_ports
from abci_app.tooling import cometbft_binary

RPC_TIMEOUT = 15.0


class RpcError(RuntimeError):
    """The node answered a JSON-RPC call with an error."""


def free_port() -> int:
    """A loopback TCP port that was free a moment ago (outside the ephemeral range: see port_pool)."""
    (port,) = free_loopback_ports(1)
    return port


def edit_toml(path: Path, settings: dict[str, str]) -> None:
    """Set ``section.key`` (or top-level ``key``) to a TOML literal in cometbft's config.toml.

    Every key must already exist (cometbft init writes them all), so a typo fails loudly.
    """
    lines = path.read_text().splitlines()
    section = ""
    missing = dict(settings)
    for i, line in enumerate(lines):
        header = re.match(r"^\[([\w.]+)\]\s*$", line)
        if header:
            section = header.group(1)
            continue
        assignment = re.match(r"^([\w-]+)\s*=", line)
        if assignment:
            name = f"{section}.{assignment.group(1)}" if section else assignment.group(1)
            if name in missing:
                lines[i] = f"{assignment.group(1)} = {missing.pop(name)}"
    if missing:
        raise KeyError(f"not in {path}: {sorted(missing)}")
    path.write_text("\n".join(lines) + "\n")


class CometNode:
    """One single-validator cometbft node living in ``home``."""

    def __init__(self, home: Path, rpc_port: int, p2p_port: int) -> None:
        self.home = home
        self.rpc_port = rpc_port
        self.p2p_port = p2p_port
        self.log_path = home / "cometbft.log"
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def init(cls, home: Path, proxy_app: str, *, timeout_commit: str = "100ms") -> CometNode:
        """``cometbft init`` in ``home`` and point it at ``proxy_app`` on free loopback ports."""
        subprocess.run(
            [str(cometbft_binary()), "init", "--home", str(home)],
            check=True,
            capture_output=True,
            timeout=RPC_TIMEOUT,
        )
        rpc_port, p2p_port = free_loopback_ports(2)  # distinct
        node = cls(home, rpc_port=rpc_port, p2p_port=p2p_port)
        edit_toml(
            home / "config" / "config.toml",
            {
                "proxy_app": f'"{proxy_app}"',
                "rpc.laddr": f'"tcp://127.0.0.1:{node.rpc_port}"',
                "p2p.laddr": f'"tcp://127.0.0.1:{node.p2p_port}"',
                "p2p.pex": "false",
                "consensus.timeout_commit": f'"{timeout_commit}"',
            },
        )
        return node

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(cometbft_binary()), "start", "--home", str(self.home)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit code (None if never started)."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        return process.returncode

    def __enter__(self) -> CometNode:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def rpc(self, method: str, **params: Any) -> Any:
        """One JSON-RPC call; returns ``result`` or raises RpcError."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.rpc_port}",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=RPC_TIMEOUT) as response:
            answer = json.load(response)
        if "error" in answer:
            raise RpcError(f"{method}: {answer['error']}")
        return answer["result"]

    def height(self) -> int:
        return int(self.rpc("status")["sync_info"]["latest_block_height"])

    def wait_for_height(self, height: int, timeout: float = 30.0) -> int:
        """Poll until the node has committed ``height``; return the height it reached."""
        reached = 0

        def done() -> bool:
            nonlocal reached
            reached = self.height()
            return reached >= height

        self.wait_until(done, timeout, f"height {height}")
        return reached

    def wait_until(
        self, condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition"
    ) -> None:
        """Poll ``condition`` (RPC errors count as not yet); fail with the node's log on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"cometbft exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                if condition():
                    return
            except (urllib.error.URLError, ConnectionError, RpcError):
                pass  # RPC not up yet
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not reached in {timeout}s:\n{self.log_tail()}")
            time.sleep(0.1)
