"""The gRPC service and its typed client, over real sockets, against a recording app and a fake node RPC.

The app double answers ABCI Info/Query like the Application contract says; the node double speaks
CometBFT's JSON-RPC (status, broadcast_tx_sync, tx). What is tested is our translation and routing.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from abci_app.cometbft_rpc import CometRpc
from abci_app.node import free_loopback_ports
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.rpc import paths
from abci_app.rpc.app_reader import AppReader
from abci_app.rpc.client import BpdaoClient, BpdaoError
from abci_app.rpc.server import NodeService, start_grpc_server

ALICE = "bpdao1alice"


class RecordingApp:
    """Committed state of a tiny chain; records which thread each read ran on."""

    def __init__(self) -> None:
        self.threads: list[str] = []
        self.answers: dict[str, Any] = {
            paths.ACCOUNT: {"address": ALICE, "pub_key": "ab" * 32, "nonce": 3, "exists": True},
            paths.BALANCE: {"address": ALICE, "amount": 10**30},
            "/app/params": {"max_tx_bytes": 1000},
            "/auth/params": {"min_fee": 2},
        }
        self.unknown: dict[str, Any] = {
            paths.ACCOUNT: {"pub_key": "", "nonce": 0, "exists": False},
            paths.BALANCE: {"amount": 0},
        }

    def query_pending(self, request: abci.RequestQuery) -> abci.ResponseQuery:
        """As ``query``, with two txs of ALICE's in the mempool."""
        response = self.query(request)
        if request.path == paths.ACCOUNT and response.code == 0:
            answer = json.loads(response.value)
            if answer["address"] == ALICE:
                answer["nonce"] += 2
            response.value = json.dumps(answer).encode()
        return response

    def info(self, request: abci.RequestInfo) -> abci.ResponseInfo:
        self.threads.append(threading.current_thread().name)
        return abci.ResponseInfo(last_block_height=41, last_block_app_hash=b"\x01" * 32)

    def query(self, request: abci.RequestQuery) -> abci.ResponseQuery:
        self.threads.append(threading.current_thread().name)
        args = json.loads(request.data)
        if request.path not in self.answers:
            return abci.ResponseQuery(code=6, codespace="sdk", log=f"unknown query path {request.path}")
        if "address" in args and args["address"] != ALICE:
            answer = {"address": args["address"], **self.unknown[request.path]}
            return abci.ResponseQuery(code=0, value=json.dumps(answer).encode(), height=41)
        return abci.ResponseQuery(code=0, value=json.dumps(self.answers[request.path]).encode(), height=41)


class FakeNode:
    """CometBFT JSON-RPC: a tx becomes visible to /tx after ``polls_until_committed`` lookups."""

    def __init__(self, check_code: int = 0, polls_until_committed: int = 2) -> None:
        self.check_code = check_code
        self.polls_left = polls_until_committed
        self.broadcast: list[bytes] = []
        self.rpc_error: str | None = None

    def handle(self, method: str, params: dict[str, Any]) -> tuple[Any, Any]:
        if method == "status":
            return {
                "sync_info": {"latest_block_height": "42", "catching_up": False},
                "node_info": {"id": "n1"},
            }, None
        if method == "broadcast_tx_sync":
            if self.rpc_error:
                return None, {"code": -32603, "message": "Internal error", "data": self.rpc_error}
            self.broadcast.append(base64.b64decode(params["tx"]))
            return {
                "code": self.check_code,
                "codespace": "bank" if self.check_code else "",
                "log": "checked",
            }, None
        if method == "tx":
            wanted = base64.b64decode(params["hash"])
            if self.polls_left > 0 or hashlib.sha256(self.broadcast[-1]).digest() != wanted:
                self.polls_left -= 1
                return None, {"code": -32603, "message": "Internal error", "data": "tx (ABC) not found"}
            return {
                "height": "43",
                "tx_result": {"code": 5, "codespace": "bank", "log": "insufficient funds"},
            }, None
        return None, {"code": -32601, "message": "Method not found", "data": method}


def serve_fake_node(node: FakeNode, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            result, error = node.handle(body["method"], body.get("params") or {})
            reply = {
                "jsonrpc": "2.0",
                "id": body["id"],
                **({"error": error} if error else {"result": result}),
            }
            data = json.dumps(reply).encode()
            self.send_response(500 if error else 200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    # shutdown() waits out one poll interval (0.5 s by default) in every test's teardown
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server


class Harness:
    def __init__(self) -> None:
        self.app = RecordingApp()
        self.node = FakeNode()
        grpc_port, rpc_port, dead_port = free_loopback_ports(3)
        self.dead_rpc = f"tcp://127.0.0.1:{dead_port}"
        self.loop = asyncio.new_event_loop()
        self.loop_thread = threading.Thread(target=self.loop.run_forever, name="abci-loop", daemon=True)
        self.loop_thread.start()
        self.http = serve_fake_node(self.node, rpc_port)
        self.service = NodeService(
            AppReader(self.app, self.loop),
            CometRpc(f"tcp://127.0.0.1:{rpc_port}"),
            chain_id="unit-1",
            param_modules=["auth"],
        )
        self.grpc = start_grpc_server(f"127.0.0.1:{grpc_port}", self.service)
        self.client = BpdaoClient(f"127.0.0.1:{grpc_port}")

    def close(self) -> None:
        self.client.close()
        self.grpc.stop(0).wait()
        self.http.shutdown()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.loop_thread.join(5)
        self.loop.close()


@pytest.fixture
def h() -> Iterator[Harness]:
    harness = Harness()
    try:
        yield harness
    finally:
        harness.close()


def test_status_combines_app_and_node(h: Harness) -> None:
    st = h.client.status()
    assert (st.chain_id, st.app_height, st.app_hash) == ("unit-1", 41, b"\x01" * 32)
    assert (st.node_height, st.node_catching_up, st.node_id) == (42, False, "n1")


def test_status_without_a_node_still_answers(h: Harness) -> None:
    h.service._node = CometRpc(h.dead_rpc, timeout=1)
    st = h.client.status()
    assert st.app_height == 41 and st.node_height == -1


def test_reads_run_on_the_abci_loop_thread(h: Harness) -> None:
    h.client.status()
    h.client.account(ALICE)
    h.client.params()
    assert h.app.threads and set(h.app.threads) == {"abci-loop"}


def test_account_params_and_query(h: Harness) -> None:
    acct = h.client.account(ALICE)
    assert (acct.balance, acct.nonce, acct.pub_key, acct.height) == (10**30, 3, b"\xab" * 32, 41)
    assert acct.next_nonce == 5  # from the check state: two txs pending
    unknown = h.client.account("bpdao1nobody")
    assert (unknown.balance, unknown.nonce, unknown.pub_key, unknown.next_nonce) == (0, 0, b"", 0)
    assert h.client.params() == {"app": {"max_tx_bytes": 1000}, "auth": {"min_fee": 2}}
    assert h.client.query(paths.BALANCE, address=ALICE) == {"address": ALICE, "amount": 10**30}


def test_failed_query_carries_the_app_log(h: Harness) -> None:
    with pytest.raises(BpdaoError) as exc:
        h.client.query("/nope/nothing")
    assert exc.value.status == "INVALID_ARGUMENT"
    assert "query /nope/nothing failed (sdk code 6): unknown query path /nope/nothing" in exc.value.message


def test_broadcast_sync_returns_the_check_result(h: Harness) -> None:
    result = h.client.broadcast(b"tx-1", wait=False)
    assert h.node.broadcast == [b"tx-1"]
    assert result.hash == hashlib.sha256(b"tx-1").digest()
    assert result.check.ok and not result.committed and result.deliver is None


def test_broadcast_wait_polls_until_the_block(h: Harness) -> None:
    result = h.client.broadcast(b"tx-2", wait=True, timeout=10)
    assert result.committed and result.height == 43
    assert result.deliver is not None and (result.deliver.code, result.deliver.log) == (
        5,
        "insufficient funds",
    )
    assert not result.ok


def test_broadcast_rejected_by_check_does_not_wait(h: Harness) -> None:
    h.node.check_code = 7
    h.node.polls_left = 10**6  # would never commit: waiting would time out
    result = h.client.broadcast(b"tx-3", wait=True, timeout=10)
    assert (result.check.code, result.check.codespace, result.committed) == (7, "bank", False)


def test_broadcast_wait_times_out_clearly(h: Harness) -> None:
    h.node.polls_left = 10**6
    with pytest.raises(BpdaoError) as exc:
        h.client.broadcast(b"tx-4", wait=True, timeout=1.0)
    assert exc.value.status == "DEADLINE_EXCEEDED"


def test_broadcast_errors_from_the_node_are_reported(h: Harness) -> None:
    h.node.rpc_error = "tx already exists in cache"
    with pytest.raises(BpdaoError) as exc:
        h.client.broadcast(b"tx-5", wait=False)
    assert exc.value.status == "FAILED_PRECONDITION" and "tx already exists in cache" in exc.value.message
    with pytest.raises(BpdaoError) as exc:
        h.client.broadcast(b"", wait=False)
    assert exc.value.status == "INVALID_ARGUMENT"
    h.service._node = CometRpc(h.dead_rpc, timeout=1)
    with pytest.raises(BpdaoError) as exc:
        h.client.broadcast(b"tx-6", wait=False)
    assert exc.value.status == "UNAVAILABLE" and "cannot reach the node" in exc.value.message
