"""Detached node processes: spawn with a pid file, check liveness, stop gracefully.

Processes outlive the command that started them (own session, output to a log file), so every
later command finds them through ``<node>/<kind>.pid``. A pid counts as ours only while
``/proc/<pid>/cmdline`` still names the node's home: a reused pid is never signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from abci_app.node import Home, spawn_cometbft
from abci_app.testnet.layout import TestnetError
from abci_app.tooling import REPO_ROOT

APP, COMETBFT = "app", "cometbft"
KINDS = (APP, COMETBFT)
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class NodeProcess:
    """One process of a node: ``kind`` is ``app`` or ``cometbft``."""

    home: Home
    kind: str

    @property
    def pid_file(self) -> Path:
        return self.home.root / f"{self.kind}.pid"

    @property
    def log_path(self) -> Path:
        return self.home.log_dir / f"{self.kind}.log"

    @property
    def marker(self) -> str:
        """A string in the process's command line that identifies it as this node's."""
        return str(self.home.cometbft_home if self.kind == COMETBFT else self.home.root)

    def log_tail(self, lines: int = 12) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def pid(self) -> int | None:
        """The pid if the process is running, else None (and a stale pid file is removed)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if is_running(pid, self.marker):
            return pid
        self.pid_file.unlink(missing_ok=True)
        return None

    def spawn(self) -> int:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            if self.kind == COMETBFT:
                proc = spawn_cometbft(self.home, log)
            else:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "abci_app.cli.main", "app", "--home", str(self.home.root)],
                    cwd=REPO_ROOT,  # run this checkout's code
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        self.pid_file.write_text(f"{proc.pid}\n")
        return proc.pid


def is_running(pid: int, marker: str) -> bool:
    """``pid`` is alive (not a zombie) and its command line contains ``marker`` (or is not readable yet)."""
    proc = Path("/proc") / str(pid)
    try:
        cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        stat = (proc / "stat").read_text()
    except OSError:
        return False
    state = stat.rpartition(")")[2].split()[0]  # the command name in (...) may contain spaces
    # Right after exec the command line can read as empty for a moment: not evidence of another process.
    return state not in ("Z", "X") and (marker in cmdline or not cmdline)


def wait_for_port(port: int, process: NodeProcess, timeout: float) -> None:
    """Until something accepts on 127.0.0.1:``port``; fail early if ``process`` exits."""
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as probe:
            probe.settimeout(1.0)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.pid() is None:
            raise TestnetError(
                f"{process.home.root.name} {process.kind} exited; the end of {process.log_path}:\n"
                + process.log_tail()
            )
        if time.monotonic() > deadline:
            raise TestnetError(
                f"{process.home.root.name} {process.kind} did not listen on port {port} within "
                f"{timeout:.0f}s; see {process.log_path}"
            )
        time.sleep(POLL_SECONDS)


def stop_all(processes: Iterable[NodeProcess], grace: float) -> list[NodeProcess]:
    """SIGTERM every running one, wait up to ``grace`` seconds, SIGKILL the rest; returns those stopped."""
    running = [(p, pid) for p in processes if (pid := p.pid()) is not None]
    for _, pid in running:
        _signal(pid, signal.SIGTERM)
        _signal(pid, signal.SIGCONT)  # a stopped (SIGSTOP, ^Z) process acts on SIGTERM only once continued
    deadline = time.monotonic() + grace
    while any(is_running(pid, p.marker) for p, pid in running) and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    stragglers = [(p, pid) for p, pid in running if is_running(pid, p.marker)]
    for _, pid in stragglers:
        _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + grace
    while any(is_running(pid, p.marker) for p, pid in stragglers):
        if time.monotonic() > deadline:
            left = ", ".join(f"{p.home.root.name} {p.kind} (pid {pid})" for p, pid in stragglers)
            raise TestnetError(f"still running after SIGKILL: {left}")
        time.sleep(POLL_SECONDS)
    for p, _ in running:
        p.pid_file.unlink(missing_ok=True)
    return [p for p, _ in running]


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # exited meanwhile
        os.kill(pid, sig)
