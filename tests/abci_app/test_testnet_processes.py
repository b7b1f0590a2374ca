"""Pid files, liveness and stopping of detached node processes (stand-in Python sleepers)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from abci_app.node import Home
from abci_app.testnet.layout import TestnetError
from abci_app.testnet.processes import APP, COMETBFT, NodeProcess, is_running, stop_all, wait_for_port

# Prints "ready" once its SIGTERM handling is set up, then sleeps; argv[1] = ignore SIGTERM?
SLEEPER = """
import signal, sys, time
if sys.argv[1] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(120)
"""


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def sleeper(
    children: list[subprocess.Popen[bytes]], process: NodeProcess, stubborn: bool = False
) -> subprocess.Popen[bytes]:
    """A process whose command line names the node's home, registered in its pid file."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SLEEPER, "stubborn" if stubborn else "polite", process.marker],
        stdout=subprocess.PIPE,
    )
    children.append(proc)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    process.pid_file.parent.mkdir(parents=True, exist_ok=True)
    process.pid_file.write_text(f"{proc.pid}\n")
    return proc


def test_pid_is_reported_only_for_a_live_process_of_this_node(
    tmp_path: Path, children: list[subprocess.Popen[bytes]]
) -> None:
    app = NodeProcess(Home(tmp_path / "node0"), APP)
    assert app.pid() is None  # no pid file
    proc = sleeper(children, app)
    assert app.pid() == proc.pid

    other = NodeProcess(Home(tmp_path / "node1"), APP)
    other.pid_file.parent.mkdir()
    other.pid_file.write_text(f"{proc.pid}\n")  # e.g. a reused pid: not node1's process
    assert other.pid() is None
    assert not other.pid_file.exists()  # stale file removed

    proc.kill()
    proc.wait()
    assert app.pid() is None
    assert not app.pid_file.exists()


def test_a_process_counts_as_running_right_after_spawn(
    tmp_path: Path, children: list[subprocess.Popen[bytes]]
) -> None:
    # Some kernels (e.g. sandboxes) show an empty command line for a moment after exec.
    marker = str(tmp_path / "node0")
    for _ in range(30):
        proc = subprocess.Popen(["sh", "-c", "sleep 30", marker], start_new_session=True)
        children.append(proc)
        assert is_running(proc.pid, marker)
        proc.kill()


def test_a_zombie_counts_as_stopped(tmp_path: Path, children: list[subprocess.Popen[bytes]]) -> None:
    app = NodeProcess(Home(tmp_path / "node0"), APP)
    proc = sleeper(children, app)
    proc.kill()
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped: a zombie
    assert not is_running(proc.pid, app.marker)


def test_stop_all_terminates_then_kills_stragglers(
    tmp_path: Path, children: list[subprocess.Popen[bytes]]
) -> None:
    polite = NodeProcess(Home(tmp_path / "node0"), APP)
    stubborn = NodeProcess(Home(tmp_path / "node1"), COMETBFT)
    idle = NodeProcess(Home(tmp_path / "node2"), APP)  # never started
    polite_proc = sleeper(children, polite)
    stubborn_proc = sleeper(children, stubborn, stubborn=True)

    stopped = stop_all([polite, stubborn, idle], grace=0.5)

    assert stopped == [polite, stubborn]
    assert polite_proc.wait(5) == -15  # SIGTERM
    assert stubborn_proc.wait(5) == -9  # SIGKILL after the grace period
    assert not polite.pid_file.exists() and not stubborn.pid_file.exists()
    assert stop_all([polite, stubborn, idle], grace=0.5) == []


def test_wait_for_port_returns_once_listening_and_fails_when_the_process_died(
    tmp_path: Path, children: list[subprocess.Popen[bytes]]
) -> None:
    app = NodeProcess(Home(tmp_path / "node0"), APP)
    sleeper(children, app)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        wait_for_port(server.getsockname()[1], app, timeout=5)
        port = server.getsockname()[1]
    with pytest.raises(TestnetError, match=r"did not listen on port \d+ within 0s"):
        wait_for_port(port, app, timeout=0.3)
    children[0].kill()
    children[0].wait()
    app.log_path.parent.mkdir()
    app.log_path.write_text("".join(f"line {i}\n" for i in range(30)))
    with pytest.raises(
        TestnetError, match=r"(?s)node0 app exited; the end of .*app\.log:\nline 18\n.*line 29$"
    ):
        wait_for_port(port, app, timeout=5)
