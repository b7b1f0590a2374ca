"""The ABCI socket server against a fake app, over real tcp and unix sockets."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.message import Message

from abci_app.framing import FrameDecoder, encode_frame
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.server import CHUNK_FRAMES, HALTING_METHODS, AbciServer, AppHalted, ListenAddress, serve

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 20.0

REQUEST_FIELDS = [f.name for f in abci.Request.DESCRIPTOR.oneofs_by_name["value"].fields]
APP_METHODS = [name for name in REQUEST_FIELDS if name not in ("echo", "flush")]

AbciResponder = Callable[[Any], Message]

RESPONDERS: dict[str, AbciResponder] = {
    "info": lambda r: abci.ResponseInfo(data="fake", last_block_height=7),
    "init_chain": lambda r: abci.ResponseInitChain(app_hash=b"genesis"),
    "query": lambda r: abci.ResponseQuery(value=r.data, height=r.height),
    "check_tx": lambda r: abci.ResponseCheckTx(data=r.tx, gas_wanted=len(r.tx)),
    "commit": lambda r: abci.ResponseCommit(retain_height=3),
    "list_snapshots": lambda r: abci.ResponseListSnapshots(snapshots=[abci.Snapshot(height=5)]),
    "offer_snapshot": lambda r: abci.ResponseOfferSnapshot(result=abci.ResponseOfferSnapshot.ACCEPT),
    "load_snapshot_chunk": lambda r: abci.ResponseLoadSnapshotChunk(chunk=b"chunk-%d" % r.chunk),
    "apply_snapshot_chunk": lambda r: abci.ResponseApplySnapshotChunk(
        result=abci.ResponseApplySnapshotChunk.ACCEPT
    ),
    "prepare_proposal": lambda r: abci.ResponsePrepareProposal(txs=list(r.txs)),
    "process_proposal": lambda r: abci.ResponseProcessProposal(status=abci.ResponseProcessProposal.ACCEPT),
    "extend_vote": lambda r: abci.ResponseExtendVote(vote_extension=b"ext"),
    "verify_vote_extension": lambda r: abci.ResponseVerifyVoteExtension(
        status=abci.ResponseVerifyVoteExtension.ACCEPT
    ),
    "finalize_block": lambda r: abci.ResponseFinalizeBlock(
        tx_results=[abci.ExecTxResult(data=hashlib.sha256(tx).digest()) for tx in r.txs],
        app_hash=hashlib.sha256(b"".join(r.txs)).digest(),
    ),
    "insert_tx": lambda r: abci.ResponseInsertTx(code=0),
    "reap_txs": lambda r: abci.ResponseReapTxs(txs=[b"reaped"]),
}


class FakeApp:
    """Answers every method with a response derived from the request; records calls; can fail."""

    def __init__(self, omit: tuple[str, ...] = ()) -> None:
        self.calls: list[str] = []
        self.failures: dict[str, Exception] = {}
        self.wrong_type: set[str] = set()
        self._omit = omit

    def __getattr__(self, name: str) -> AbciResponder:
        if name not in RESPONDERS or name in self._omit:
            raise AttributeError(name)

        def handler(request: Any) -> Message:
            self.calls.append(name)
            if name in self.failures:
                raise self.failures[name]
            if name in self.wrong_type:
                return abci.ResponseEcho(message="not what you asked for")
            return RESPONDERS[name](request)

        return handler


def request(name: str, **fields: Any) -> abci.Request:
    message_type = getattr(abci, abci.Request.DESCRIPTOR.fields_by_name[name].message_type.name)
    return abci.Request(**{name: message_type(**fields)})


def check_tx(tx: bytes) -> abci.Request:
    return request("check_tx", tx=tx)


FLUSH = request("flush")


class Client:
    """A minimal ABCI socket client: pipelines requests, reads framed responses."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self._decoder = FrameDecoder()
        self._ready: list[bytes] = []

    @classmethod
    async def connect(cls, address: str) -> Client:
        where = ListenAddress.parse(address)
        if where.is_unix:
            reader, writer = await asyncio.open_unix_connection(where.path)
        else:
            reader, writer = await asyncio.open_connection(where.host, where.port)
        return cls(reader, writer)

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send(self, *requests: abci.Request) -> None:
        await self.send_raw(b"".join(encode_frame(r.SerializeToString()) for r in requests))

    async def receive(self, count: int) -> list[abci.Response]:
        while len(self._ready) < count:
            data = await self.reader.read(2**20)
            if not data:
                raise ConnectionError(f"closed after {len(self._ready)} of {count} responses")
            self._ready += self._decoder.feed(data)
        frames, self._ready = self._ready[:count], self._ready[count:]
        return [abci.Response.FromString(frame) for frame in frames]

    async def closed_by_server(self) -> bool:
        """True if the server closed the connection without sending anything more."""
        try:
            data = await self.reader.read(1)
        except ConnectionResetError:
            return True
        return data == b""

    def close(self) -> None:
        self.writer.close()


def run(scenario: Coroutine[Any, Any, None]) -> None:
    async def bounded() -> None:
        async with asyncio.timeout(TIMEOUT):
            await scenario

    asyncio.run(bounded())


@asynccontextmanager
async def serving(app: object, address: str) -> AsyncIterator[tuple[AbciServer, str]]:
    server = AbciServer(app)
    bound = await server.start(address)
    try:
        yield server, bound
    finally:
        await server.close()


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    # Unix socket paths are limited to ~107 bytes; pytest's tmp_path can be longer.
    with tempfile.TemporaryDirectory(prefix="abci-") as directory:
        yield Path(directory)


@pytest.fixture(params=["tcp", "unix"])
def address(request: pytest.FixtureRequest, short_tmp: Path) -> str:
    return "tcp://127.0.0.1:0" if request.param == "tcp" else f"unix://{short_tmp}/abci.sock"


def test_every_method_is_dispatched_to_the_app_and_wrapped_in_its_response(address: str) -> None:
    app = FakeApp()
    requests = [request(name, **({"tx": b"tx-1"} if name == "check_tx" else {})) for name in APP_METHODS]

    async def scenario() -> None:
        async with serving(app, address) as (_, bound):
            client = await Client.connect(bound)
            await client.send(*requests, FLUSH)
            responses = await client.receive(len(requests) + 1)
            assert [r.WhichOneof("value") for r in responses] == [*APP_METHODS, "flush"]
            for req, resp in zip(requests, responses, strict=False):
                name = req.WhichOneof("value")
                assert getattr(resp, name) == RESPONDERS[name](getattr(req, name))
            client.close()

    run(scenario())
    assert app.calls == APP_METHODS


def test_echo_and_flush_are_answered_by_the_server(address: str) -> None:
    app = FakeApp()

    async def scenario() -> None:
        async with serving(app, address) as (_, bound):
            client = await Client.connect(bound)
            await client.send(request("echo", message="hello"), FLUSH)
            echo, flush = await client.receive(2)
            assert echo.echo.message == "hello"
            assert flush.WhichOneof("value") == "flush"
            client.close()

    run(scenario())
    assert app.calls == []


def test_pipelined_requests_are_answered_in_order_with_one_write_per_read_or_chunk(address: str) -> None:
    app = FakeApp()
    txs = [b"tx-%d" % i for i in range(300)]

    async def scenario() -> None:
        async with serving(app, address) as (server, bound):
            client = await Client.connect(bound)
            await client.send(*(check_tx(tx) for tx in txs), FLUSH)
            responses = await client.receive(len(txs) + 1)
            assert [r.check_tx.data for r in responses[:-1]] == txs
            assert responses[-1].WhichOneof("value") == "flush"
            assert server.stats.requests == len(txs) + 1
            # one write per read, or per chunk of a long read
            assert server.stats.writes <= server.stats.reads + (len(txs) + 1) // CHUNK_FRAMES
            assert server.stats.writes < server.stats.requests
            client.close()

    run(scenario())


def test_a_long_read_on_one_connection_lets_the_others_be_served_between_its_chunks(address: str) -> None:
    """A flood of CheckTx in one read must not hold up the consensus connection until all are answered
    (CometBFT's consensus waits on it several times a height)."""
    app = FakeApp()
    txs = [b"tx-%d" % i for i in range(20 * CHUNK_FRAMES)]

    async def scenario() -> None:
        async with serving(app, address) as (_, bound):
            mempool, consensus = await Client.connect(bound), await Client.connect(bound)
            await consensus.send(request("echo", message="ready"))  # both connections accepted
            await consensus.receive(1)
            await mempool.send(*(check_tx(tx) for tx in txs), FLUSH)
            while len(app.calls) < CHUNK_FRAMES:  # the long read has begun
                await asyncio.sleep(0)
            await consensus.send(request("info"), FLUSH)
            (info, _) = await consensus.receive(2)
            assert info.info.last_block_height == 7
            answered_before_info = app.calls.index("info")
            assert answered_before_info < len(txs) - CHUNK_FRAMES, answered_before_info
            responses = await mempool.receive(len(txs) + 1)
            assert [r.check_tx.data for r in responses[:-1]] == txs  # still all, in order, Flush last
            assert responses[-1].WhichOneof("value") == "flush"
            mempool.close()
            consensus.close()

    run(scenario())


def test_flush_comes_after_every_earlier_response_however_the_bytes_are_split(address: str) -> None:
    app = FakeApp()
    sequence = [
        *(check_tx(b"a%d" % i) for i in range(40)),
        FLUSH,
        request("query", data=b"q", height=4),
        *(check_tx(b"b%d" % i) for i in range(25)),
        FLUSH,
    ]
    stream = b"".join(encode_frame(r.SerializeToString()) for r in sequence)

    async def scenario() -> None:
        async with serving(app, address) as (_, bound):
            client = await Client.connect(bound)
            for pos in range(0, len(stream), 97):  # cuts through headers and bodies alike
                await client.send_raw(stream[pos : pos + 97])
                await asyncio.sleep(0)
            responses = await client.receive(len(sequence))
            assert [r.WhichOneof("value") for r in responses] == [s.WhichOneof("value") for s in sequence]
            assert [r.check_tx.data for r in responses if r.HasField("check_tx")] == [
                s.check_tx.tx for s in sequence if s.HasField("check_tx")
            ]
            client.close()

    run(scenario())


def test_four_connections_are_served_independently_in_fifo_order(address: str) -> None:
    app = FakeApp()

    async def scenario() -> None:
        async with serving(app, address) as (_, bound):
            clients = [await Client.connect(bound) for _ in range(4)]
            for round_ in range(5):
                for i, client in enumerate(clients):
                    await client.send(*(check_tx(b"c%d-r%d-%d" % (i, round_, k)) for k in range(20)), FLUSH)
            for i, client in enumerate(clients):
                responses = await client.receive(5 * 21)
                expected = [b"c%d-r%d-%d" % (i, r, k) for r in range(5) for k in range(20)]
                assert [r.check_tx.data for r in responses if r.HasField("check_tx")] == expected
                client.close()

    run(scenario())
    assert app.calls == ["check_tx"] * 4 * 5 * 20


def test_twenty_megabyte_request_and_response(address: str) -> None:
    app = FakeApp()
    big_tx = os.urandom(20 * 1024 * 1024)

    async def scenario() -> None:
        async with serving(app, address) as (_, bound):
            client = await Client.connect(bound)
            await client.send(request("finalize_block", txs=[big_tx, b"small"], height=2), FLUSH)
            await client.send(request("prepare_proposal", txs=[big_tx]), FLUSH)
            block, _, proposal, _ = await client.receive(4)
            assert [r.data for r in block.finalize_block.tx_results] == [
                hashlib.sha256(big_tx).digest(),
                hashlib.sha256(b"small").digest(),
            ]
            assert list(proposal.prepare_proposal.txs) == [big_tx]
            client.close()

    run(scenario())


def test_a_peer_that_does_not_read_is_throttled_and_loses_nothing(address: str) -> None:
    app = FakeApp()
    txs = [b"%06d" % i + b"." * 8192 for i in range(2000)]  # ~16 MB each way

    async def scenario() -> None:
        async with serving(app, address) as (server, bound):
            client = await Client.connect(bound)
            sending = asyncio.create_task(client.send(*(check_tx(tx) for tx in txs), FLUSH))
            while server.stats.write_pauses == 0:  # we are not reading: the server must stop too
                await asyncio.sleep(0.01)
            responses = await client.receive(len(txs) + 1)
            await sending
            assert [r.check_tx.data for r in responses[:-1]] == txs
            client.close()

    run(scenario())


@pytest.mark.parametrize("method", ["check_tx", "query"])
def test_check_tx_and_query_exceptions_become_error_responses(
    address: str, method: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = FakeApp()
    app.failures[method] = RuntimeError("store exploded")

    async def scenario() -> None:
        async with serving(app, address) as (server, bound):
            client = await Client.connect(bound)
            await client.send(request(method), request("info"), FLUSH)
            failed, info, _ = await client.receive(3)
            result = getattr(failed, method)
            assert (result.code, result.codespace) == (1, "sdk")
            assert result.log == "RuntimeError: store exploded"
            assert info.info.last_block_height == 7
            assert not server.halted
            client.close()

    with caplog.at_level(logging.ERROR, logger="abci_app.server"):
        run(scenario())
    assert any(method in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_wrong_response_type_from_check_tx_is_an_error_response(address: str) -> None:
    app = FakeApp()
    app.wrong_type.add("check_tx")

    async def scenario() -> None:
        async with serving(app, address) as (_, bound):
            client = await Client.connect(bound)
            await client.send(check_tx(b"x"), FLUSH)
            (response, _) = await client.receive(2)
            assert response.check_tx.code == 1
            assert "ResponseEcho" in response.check_tx.log
            client.close()

    run(scenario())


def test_a_method_the_app_lacks_is_treated_as_its_exception(address: str) -> None:
    app = FakeApp(omit=("insert_tx", "reap_txs"))

    async def scenario() -> None:
        async with serving(app, address) as (_, bound):
            client = await Client.connect(bound)
            await client.send(request("insert_tx", tx=b"t"), request("reap_txs", max_bytes=10), FLUSH)
            inserted, reaped, _ = await client.receive(3)
            assert inserted.insert_tx.code == 1
            assert list(reaped.reap_txs.txs) == []
            client.close()

    run(scenario())


def test_snapshot_method_exceptions_get_safe_answers(address: str) -> None:
    app = FakeApp()
    for name in ("list_snapshots", "offer_snapshot", "load_snapshot_chunk", "apply_snapshot_chunk"):
        app.failures[name] = OSError("disk gone")

    async def scenario() -> None:
        async with serving(app, address) as (server, bound):
            client = await Client.connect(bound)
            await client.send(
                request("list_snapshots"),
                request("offer_snapshot"),
                request("load_snapshot_chunk", height=5, chunk=1),
                request("apply_snapshot_chunk", index=1),
                FLUSH,
            )
            listed, offered, loaded, applied, _ = await client.receive(5)
            assert list(listed.list_snapshots.snapshots) == []
            assert offered.offer_snapshot.result == abci.ResponseOfferSnapshot.ABORT
            assert loaded.load_snapshot_chunk.chunk == b""
            assert applied.apply_snapshot_chunk.result == abci.ResponseApplySnapshotChunk.ABORT
            assert not server.halted
            client.close()

    run(scenario())


@pytest.mark.parametrize("method", sorted(HALTING_METHODS))
def test_consensus_exception_halts_without_answering(
    address: str, method: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = FakeApp()
    app.failures[method] = ValueError("invariant broken")

    async def scenario() -> None:
        async with serving(app, address) as (server, bound):
            other = await Client.connect(bound)
            client = await Client.connect(bound)
            await client.send(check_tx(b"before"), request(method), check_tx(b"after"), FLUSH)
            with pytest.raises(AppHalted) as halted:
                await server.wait()
            assert halted.value.code == 70
            assert halted.value.method == method
            assert await client.closed_by_server()  # not even the CheckTx before it was answered
            assert await other.closed_by_server()
            late = await Client.connect(bound)
            assert await late.closed_by_server()
            assert app.calls == ["check_tx", method]

    with caplog.at_level(logging.CRITICAL, logger="abci_app.server"):
        run(scenario())
    [record] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert method in record.getMessage()
    assert record.exc_info is not None and "invariant broken" in str(record.exc_info[1])


def test_a_wrong_response_type_from_finalize_block_halts(address: str) -> None:
    app = FakeApp()
    app.wrong_type.add("finalize_block")

    async def scenario() -> None:
        async with serving(app, address) as (server, bound):
            client = await Client.connect(bound)
            await client.send(request("finalize_block"), FLUSH)
            with pytest.raises(AppHalted):
                await server.wait()
            assert await client.closed_by_server()

    run(scenario())


def test_empty_or_unknown_requests_get_an_exception_and_the_stream_goes_on(address: str) -> None:
    app = FakeApp()
    unknown_field = b"\xa2\x06\x00"  # field 100, length-delimited, empty

    async def scenario() -> None:
        async with serving(app, address) as (server, bound):
            client = await Client.connect(bound)
            await client.send_raw(encode_frame(b"") + encode_frame(unknown_field))
            await client.send(check_tx(b"next"), FLUSH)
            empty, unknown, checked, _ = await client.receive(4)
            assert empty.WhichOneof("value") == "exception"
            assert unknown.WhichOneof("value") == "exception"
            assert checked.check_tx.data == b"next"
            assert not server.halted
            client.close()

    run(scenario())


def test_a_request_with_two_fields_is_served_as_protobuf_says_last_one_wins(address: str) -> None:
    app = FakeApp()
    frame = request("echo", message="first").SerializeToString() + check_tx(b"wins").SerializeToString()

    async def scenario() -> None:
        async with serving(app, address) as (_, bound):
            client = await Client.connect(bound)
            await client.send_raw(encode_frame(frame))
            [response] = await client.receive(1)
            assert response.check_tx.data == b"wins"
            client.close()

    run(scenario())


@pytest.mark.parametrize(
    "garbage",
    [
        encode_frame(b"\x42\x05ab"),  # check_tx claims 5 bytes, has 2
        encode_frame(b"\x42\x02\x0a\x05"),  # check_tx whose inner tx field is truncated
        b"\xff" * 11,  # length header overflows
    ],
)
def test_undecodable_bytes_close_that_connection_only(address: str, garbage: bytes) -> None:
    app = FakeApp()

    async def scenario() -> None:
        async with serving(app, address) as (server, bound):
            bad = await Client.connect(bound)
            good = await Client.connect(bound)
            await bad.send_raw(garbage)
            assert await bad.closed_by_server()
            await good.send(check_tx(b"ok"), FLUSH)
            checked, _ = await good.receive(2)
            assert checked.check_tx.data == b"ok"
            assert not server.halted
            good.close()

    run(scenario())


def test_cancelling_serve_closes_connections_and_removes_the_socket(short_tmp: Path) -> None:
    path = short_tmp / "abci.sock"

    async def scenario() -> None:
        listening = asyncio.Event()
        task = asyncio.create_task(serve(FakeApp(), f"unix://{path}", on_listening=lambda _: listening.set()))
        await listening.wait()
        assert path.is_socket()
        client = await Client.connect(f"unix://{path}")
        await client.send(check_tx(b"x"), FLUSH)
        await client.receive(2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await client.closed_by_server()
        assert not path.exists()

    run(scenario())


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("tcp://127.0.0.1:26658", ListenAddress(host="127.0.0.1", port=26658)),
        ("tcp://[::1]:9", ListenAddress(host="::1", port=9)),
        ("unix:///tmp/app.sock", ListenAddress(path="/tmp/app.sock")),
    ],
)
def test_listen_address_parsing(address: str, expected: ListenAddress) -> None:
    assert ListenAddress.parse(address) == expected


@pytest.mark.parametrize(
    "address", ["127.0.0.1:26658", "tcp://127.0.0.1", "tcp://:x", "http://a:1", "unix://"]
)
def test_bad_listen_addresses_are_rejected(address: str) -> None:
    with pytest.raises(ValueError):
        ListenAddress.parse(address)


# --- the real process: run() and its exit codes -------------------------------------------------

SERVER_SCRIPT = textwrap.dedent(
    """
    import logging, sys
    from abci_app.pb.tendermint.abci import types_pb2 as abci
    from abci_app.server import run

    class App:
        def check_tx(self, request):
            return abci.ResponseCheckTx(data=request.tx)
        def finalize_block(self, request):
            raise KeyError("missing account")

    logging.basicConfig(level=logging.INFO)
    run(App(), sys.argv[1])
    """
)


def _start_server_process(path: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER_SCRIPT, f"unix://{path}"],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # The socket file appears at bind(), a moment before listen(): wait for a connect to succeed.
    deadline = time.monotonic() + TIMEOUT
    while not _accepts_connections(path):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"server did not start: {process.communicate()[1].decode()}")
        time.sleep(0.02)
    return process


def _accepts_connections(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _exchange(path: Path, *requests: abci.Request) -> list[abci.Response] | None:
    """Send requests ending in a Flush; their responses, or None if the server hung up instead."""

    async def scenario() -> list[abci.Response] | None:
        client = await Client.connect(f"unix://{path}")
        await client.send(*requests)
        try:
            return await client.receive(len(requests))
        except ConnectionError:
            return None
        finally:
            client.close()

    async def bounded() -> list[abci.Response] | None:
        async with asyncio.timeout(TIMEOUT):
            return await scenario()

    return asyncio.run(bounded())


def test_run_exits_with_70_when_finalize_block_raises(short_tmp: Path) -> None:
    path = short_tmp / "abci.sock"
    process = _start_server_process(path)
    try:
        assert _exchange(path, check_tx(b"fine"), FLUSH) is not None
        assert _exchange(path, request("finalize_block"), FLUSH) is None
        _, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        process.kill()
    assert process.returncode == 70
    assert "finalize_block" in stderr.decode()
    assert "KeyError: 'missing account'" in stderr.decode()


def test_run_stops_cleanly_on_sigterm(short_tmp: Path) -> None:
    path = short_tmp / "abci.sock"
    process = _start_server_process(path)
    try:
        assert _exchange(path, check_tx(b"fine"), FLUSH) is not None
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=TIMEOUT)
    finally:
        process.kill()
    assert process.returncode == 0
    assert not path.exists()
