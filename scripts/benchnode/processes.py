"""Processes a round starts, their CPU time, and the ports they listen on."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from abci_app.tooling import REPO_ROOT

HZ = os.sysconf("SC_CLK_TCK")


def say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (all held open together so none is handed out twice)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def box_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all processes, all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / HZ


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen[bytes], work: Path) -> None:
    """Until something listens on 127.0.0.1:port (so cometbft need not back off and retry)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app (pid {proc.pid}) exited with {proc.returncode}; logs in {work}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f}s; logs in {work}")


class Processes:
    """Every process a round starts, in layers (apps, then nodes); stopped layer by layer in reverse,
    so a node never loses its app while it is still shutting down."""

    def __init__(self) -> None:
        self.layers: dict[str, list[subprocess.Popen[bytes]]] = {}
        self.logs: list[IO[bytes]] = []

    def start(self, layer: str, argv: Sequence[str], log_path: Path) -> subprocess.Popen[bytes]:
        log = log_path.open("wb")
        self.logs.append(log)
        proc = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        self.layers.setdefault(layer, []).append(proc)
        return proc

    def stop_all(self) -> None:
        for procs in reversed(list(self.layers.values())):
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for proc in procs:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for log in self.logs:
            log.close()
        self.layers.clear()
        self.logs.clear()
