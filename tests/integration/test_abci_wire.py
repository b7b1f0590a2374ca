"""The real cometbft v0.40.0 binary against our socket server and a tiny counting app."""

from __future__ import annotations

import asyncio
import base64
import tempfile
import threading
from pathlib import Path
from types import TracebackType

import pytest
from cometbft_node import CometNode, free_port
from counter_app import CounterApp, app_hash_of

from abci_app.server import AbciServer


class ServerThread:
    """Runs an AbciServer on its own event loop in a background thread."""

    def __init__(self, app: object, address: str) -> None:
        self._app = app
        self._requested = address
        self.address = ""
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread = threading.Thread(target=self._run, name="abci-server", daemon=True)

    def __enter__(self) -> ServerThread:
        self._thread.start()
        if not self._ready.wait(10) or not self.address:
            raise AssertionError(f"ABCI server did not start: {self.error!r}")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._loop is not None and self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(10)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # AppHalted is a SystemExit: record it for the test
            self.error = exc
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        server = AbciServer(self._app)
        try:
            self.address = await server.start(self._requested)
            self._ready.set()
            await server.wait()
        finally:
            await server.close()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.integration
@pytest.mark.timeout(120)
@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_cometbft_produces_blocks_and_commits_txs_through_the_server(transport: str) -> None:
    app = CounterApp()
    txs = [b"wire-tx-%d" % i for i in range(5)]
    with tempfile.TemporaryDirectory(prefix="abci-wire-") as tmp:
        address = f"tcp://127.0.0.1:{free_port()}" if transport == "tcp" else f"unix://{tmp}/app.sock"
        with ServerThread(app, address) as server, CometNode.init(Path(tmp) / "node", server.address) as node:
            node.start()
            node.wait_for_height(2)

            heights = []
            for tx in txs:
                result = node.rpc("broadcast_tx_commit", tx=b64(tx))
                assert result["check_tx"]["code"] == 0, result
                assert result["tx_result"]["code"] == 0, result
                heights.append(int(result["height"]))
            last = node.wait_for_height(max(heights) + 1)

            for tx, height in zip(txs, heights, strict=True):
                block = node.rpc("block", height=str(height))["block"]
                assert b64(tx) in block["data"]["txs"]
            # Block H+1's header carries the app hash FinalizeBlock returned at H.
            header = node.rpc("block", height=str(max(heights) + 1))["block"]["header"]
            assert bytes.fromhex(header["app_hash"]) == app_hash_of(len(txs))

            info = node.rpc("abci_info")["response"]
            assert int(info["last_block_height"]) >= last
            assert base64.b64decode(info["last_block_app_hash"]) == app_hash_of(len(txs))
            query = node.rpc("abci_query", path="", data="")["response"]
            assert base64.b64decode(query["value"]) == str(len(txs)).encode()

            # A burst without waiting: CometBFT pipelines these CheckTx on the mempool connection.
            burst = [b"burst-tx-%d" % i for i in range(100)]
            for tx in burst:
                assert node.rpc("broadcast_tx_async", tx=b64(tx))["code"] == 0
            node.wait_until(lambda: len(app.committed_txs) == len(txs) + len(burst), timeout=30)

            assert node.stop() == 0  # SIGTERM is a clean shutdown
        assert app.committed_txs[: len(txs)] == txs
        assert sorted(app.committed_txs[len(txs) :]) == sorted(burst)
        assert set(app.checked_txs) == set(txs + burst)  # the mempool connection ran CheckTx for each
        assert server.error is None
