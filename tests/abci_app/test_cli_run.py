"""`bpdao start` supervision: whichever of app and node dies, the other is stopped; signals stop both.

The node is a stand-in script (via BPDAO_COMETBFT) so each failure can be provoked on cue; the ABCI
server is a plain asyncio TCP server standing in for abci_app.server.serve.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from abci_app.cli import run_cmd
from abci_app.node import AppConfig, Home, free_loopback_ports
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.rpc.client import BpdaoClient


class TinyApp:
    closed = False

    def info(self, request: Any) -> abci.ResponseInfo:
        return abci.ResponseInfo(last_block_height=7, last_block_app_hash=b"\x07")

    def query(self, request: Any) -> abci.ResponseQuery:
        return abci.ResponseQuery(code=0, value=b"{}", height=7)

    def close(self) -> None:
        self.closed = True


def fake_server(crash_after: float | None) -> types.ModuleType:
    async def serve(app: Any, address: str, *, on_listening: Callable[[str], None]) -> None:
        host, port = address.split("://")[1].rsplit(":", 1)
        server = await asyncio.start_server(lambda r, w: w.close(), host, int(port))
        async with server:
            on_listening(address)
            if crash_after is not None:
                await asyncio.sleep(crash_after)
                raise RuntimeError("ABCI server crashed")
            await server.serve_forever()

    module = types.ModuleType("abci_app.server")
    module.serve = serve  # type: ignore[attr-defined]
    return module


def setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, node_script: str, crash_after: float | None = None
) -> Home:
    script = tmp_path / "fake-cometbft"
    pidfile = tmp_path / "node.pid"
    script.write_text(f"#!/bin/sh\necho $$ > {pidfile}\n{node_script}\n")
    script.chmod(0o755)
    monkeypatch.setenv("BPDAO_COMETBFT", str(script))
    monkeypatch.setitem(sys.modules, "abci_app.server", fake_server(crash_after))
    abci_port, grpc_port, rpc_port = free_loopback_ports(3)
    home = Home.at(tmp_path / "home")
    home.write_config(
        AppConfig(
            chain_id="sup-1",
            abci_address=f"tcp://127.0.0.1:{abci_port}",
            grpc_address=f"127.0.0.1:{grpc_port}",
            node_rpc=f"tcp://127.0.0.1:{rpc_port}",
        )
    )
    return home


def supervise(home: Home, app: TinyApp, before: Any = None) -> int:
    async def go() -> int:
        if before is not None:
            asyncio.get_running_loop().call_later(1.0, before)
        return await run_cmd.supervise(app, home, home.load_config(), None, spawn=True)

    return asyncio.run(asyncio.wait_for(go(), 60))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_node_exit_stops_the_app_with_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = setup(tmp_path, monkeypatch, "sleep 1; exit 3")
    app = TinyApp()
    assert supervise(home, app) == 1
    assert app.closed


def test_what_is_alive_once_the_app_serves_is_frozen_out_of_the_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = setup(tmp_path, monkeypatch, "sleep 1; exit 3")
    gc.unfreeze()
    try:
        assert supervise(home, TinyApp()) == 1
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_sigterm_stops_node_then_app_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = setup(tmp_path, monkeypatch, "exec sleep 60")
    app = TinyApp()
    seen: dict[str, Any] = {}

    def probe_then_terminate() -> None:
        # gRPC answers from the app while the node runs; then a SIGTERM arrives
        with BpdaoClient(home.load_config().grpc_address) as client:
            seen["status"] = client.status()
        os.kill(os.getpid(), signal.SIGTERM)

    async def probe_in_thread() -> None:
        await asyncio.to_thread(probe_then_terminate)

    assert supervise(home, app, before=lambda: asyncio.ensure_future(probe_in_thread())) == 0
    assert seen["status"].app_height == 7 and seen["status"].chain_id == "sup-1"
    node_pid = int((tmp_path / "node.pid").read_text())
    assert not pid_alive(node_pid)
    assert app.closed


def test_abci_crash_stops_the_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = setup(tmp_path, monkeypatch, "exec sleep 60", crash_after=1.0)
    assert supervise(home, TinyApp()) == 1
    assert not pid_alive(int((tmp_path / "node.pid").read_text()))
