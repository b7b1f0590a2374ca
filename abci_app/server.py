"""The ABCI socket server: CometBFT's four connections, uvarint-framed protobuf, FIFO answers.

For each ``Request`` oneof field ``f`` the server calls ``app.f(request.f)`` and sends the
returned ``Response*`` message as ``Response(f=...)``; Echo and Flush are answered here.

Throughput: the requests decoded from one socket read are answered in order and written with one
``transport.write``; a read of more than CHUNK_FRAMES requests (a flood of CheckTx) is answered a
chunk per event-loop turn, so the other connections are served in between. Either way, when the
Flush response is written, every response before it is written too. Backpressure: if the peer stops
reading, we stop reading from it.
All handlers run on the event-loop thread, so the app sees one request at a time (the Go
reference server takes a global mutex for the same effect).

Exception policy (see ``docs/architecture.md``):
- consensus methods and Info: a bug that could diverge the node or misreport its state; the
  traceback is logged, every connection is dropped and ``serve`` raises :class:`AppHalted`
  (``SystemExit(70)``) without answering;
- CheckTx / Query / InsertTx: error-coded response (code 1, codespace ``sdk``) and a log line;
- snapshots: ListSnapshots offers none, LoadSnapshotChunk returns an empty chunk (the peer is
  told the chunk is missing), Offer/ApplySnapshotChunk answer ABORT so state sync stops loudly;
  ReapTxs returns no txs. All are logged with the traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import stat
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from google.protobuf.message import DecodeError, Message

from abci_app.framing import MAX_FRAME_SIZE, SMALL_UVARINTS, FrameDecoder, FramingError, encode_uvarint
from abci_app.pb.tendermint.abci import types_pb2 as abci

log = logging.getLogger(__name__)

DEFAULT_ADDRESS = "tcp://127.0.0.1:26658"
HALT_EXIT_CODE = 70  # EX_SOFTWARE: internal software error
ERROR_CODESPACE = "sdk"
ERROR_CODE = 1

# A read carries up to 256 KiB (asyncio's read size): under a flood of txs, a thousand CheckTx. Answered in
# one go it would keep the consensus connection's next request waiting for all of them, and a height
# takes ~8 consensus round trips (proposal, vote extensions, FinalizeBlock, Commit): measured on four
# validators under an async flood, 0.07 blocks/s. So a longer read is answered CHUNK_FRAMES requests at a
# time, one chunk per event-loop turn, with reading paused on that connection until it is through; other
# connections' requests are served between chunks, as the Go server's per-request mutex interleaves them.
CHUNK_FRAMES = 64

# Optional app method: ``app.preverify_check_txs(requests)`` gets every CheckTx request of one
# socket read (two or more) before they are answered one by one, in order, so that it can check
# their signatures together (in parallel). It must not change any answer, only its cost.
PREVERIFY_HOOK = "preverify_check_txs"

# Methods whose failure must stop the node rather than be answered (Info: the app cannot tell
# CometBFT its height/app hash; a made-up answer would trigger a wrong handshake replay).
HALTING_METHODS = frozenset(
    {
        "info",
        "init_chain",
        "prepare_proposal",
        "process_proposal",
        "extend_vote",
        "verify_vote_extension",
        "finalize_block",
        "commit",
    }
)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# Answers for a method that raised, when answering is safe (methods absent here halt).
FALLBACKS: dict[str, Callable[[BaseException], Message]] = {
    "check_tx": lambda e: abci.ResponseCheckTx(
        code=ERROR_CODE, codespace=ERROR_CODESPACE, log=_error_text(e)
    ),
    "query": lambda e: abci.ResponseQuery(code=ERROR_CODE, codespace=ERROR_CODESPACE, log=_error_text(e)),
    "insert_tx": lambda e: abci.ResponseInsertTx(code=ERROR_CODE),
    "reap_txs": lambda e: abci.ResponseReapTxs(),
    "list_snapshots": lambda e: abci.ResponseListSnapshots(),
    "offer_snapshot": lambda e: abci.ResponseOfferSnapshot(result=abci.ResponseOfferSnapshot.ABORT),
    "load_snapshot_chunk": lambda e: abci.ResponseLoadSnapshotChunk(),
    "apply_snapshot_chunk": lambda e: abci.ResponseApplySnapshotChunk(
        result=abci.ResponseApplySnapshotChunk.ABORT
    ),
}


class AppHalted(SystemExit):
    """A halting method raised: the process must stop (exit code 70) instead of answering."""

    def __init__(self, method: str) -> None:
        super().__init__(HALT_EXIT_CODE)
        self.method = method

    def __str__(self) -> str:
        return f"ABCI method {self.method!r} raised; the node was halted"


class _DropConnection(Exception):
    """The peer sent bytes we cannot interpret; the stream cannot be resynchronised."""


def _field_tag(number: int) -> bytes:
    """Protobuf key of a length-delimited field (wire type 2)."""
    return encode_uvarint((number << 3) | 2)


@dataclass(slots=True)
class _Route:
    """How to serve one ``Request`` oneof field."""

    name: str
    request_type: type[Message]
    response_type: type[Message]
    response_tag: bytes
    handler: Callable[[Any], Message]
    fallback: Callable[[BaseException], Message] | None


@dataclass(slots=True)
class ServerStats:
    """Counters over all connections (cheap; used by tests and the benchmark)."""

    reads: int = 0  # data_received calls
    writes: int = 0  # transport.write calls
    requests: int = 0
    connections: int = 0
    write_pauses: int = 0  # times a peer's unread responses filled the buffer and we stopped reading


def _missing_method(name: str) -> Callable[[Any], Message]:
    def handler(_request: Any) -> Message:
        raise NotImplementedError(f"the app does not implement {name!r}")

    return handler


def _build_routes(app: object) -> dict[int, _Route]:
    request_fields = abci.Request.DESCRIPTOR.oneofs_by_name["value"].fields
    response_fields = abci.Response.DESCRIPTOR.fields_by_name
    routes: dict[int, _Route] = {}
    for request_field in request_fields:
        name = request_field.name
        response_field = response_fields[name]
        if name == "echo":
            handler: Callable[[Any], Message] = lambda r: abci.ResponseEcho(message=r.message)  # noqa: E731
        elif name == "flush":
            handler = lambda _r: abci.ResponseFlush()  # noqa: E731
        else:
            method = getattr(app, name, None)
            handler = method if callable(method) else _missing_method(name)
        routes[request_field.number] = _Route(
            name=name,
            request_type=getattr(abci, request_field.message_type.name),
            response_type=getattr(abci, response_field.message_type.name),
            response_tag=_field_tag(response_field.number),
            handler=handler,
            fallback=None if name in HALTING_METHODS else FALLBACKS.get(name),
        )
    return routes


class _Dispatcher:
    """Turns request frames into response frames; shared by every connection."""

    def __init__(self, app: object) -> None:
        self._routes = _build_routes(app)
        self._by_name = {route.name: route for route in self._routes.values()}
        self._check_tx = self._by_name["check_tx"]
        hook = getattr(app, PREVERIFY_HOOK, None)
        self._preverify: Callable[[list[Any]], None] | None = hook if callable(hook) else None

    def respond(self, frames: list[bytes], out: list[bytes]) -> None:
        """Append the response frame of every request frame to ``out``, in order.

        Raises AppHalted (nothing for this batch may be written) or _DropConnection.
        """
        append = out.append
        decode = self._decode
        small = SMALL_UVARINTS
        requests = [decode(frame) for frame in frames]
        if self._preverify is not None and len(requests) > 1:
            self._preverify_checks(requests)
        for frame, (route, request) in zip(frames, requests, strict=True):
            if route is None:
                append(_encode_exception(frame))
                continue
            try:
                response = route.handler(request)
                if type(response) is not route.response_type:
                    raise TypeError(
                        f"{route.name} returned {type(response).__name__}, "
                        f"expected {route.response_type.__name__}"
                    )
                body = response.SerializeToString()
            except Exception as exc:
                body = self._recover(route, exc).SerializeToString()
            # Response frame = uvarint(len(field)) + field, field = key + uvarint(len(body)) + body.
            tag = route.response_tag
            length = len(body)
            size = small[length] if length < 0x80 else encode_uvarint(length)
            field_length = len(tag) + len(size) + length
            append(small[field_length] if field_length < 0x80 else encode_uvarint(field_length))
            append(tag)
            append(size)
            append(body)

    def _preverify_checks(self, requests: list[tuple[_Route | None, Any]]) -> None:
        check_tx = self._check_tx
        checks = [request for route, request in requests if route is check_tx]
        if len(checks) > 1:
            assert self._preverify is not None
            try:
                self._preverify(checks)
            except Exception:  # an optimisation only: each check_tx below does the full work
                log.exception("%s raised; the CheckTx requests are answered one by one", PREVERIFY_HOOK)

    def _decode(self, frame: bytes) -> tuple[_Route | None, Message | None]:
        # Fast path: CometBFT sends exactly one oneof field, so read its key and length by hand
        # and parse only the inner message (saves building the Request wrapper per CheckTx).
        header = _read_field_header(frame)
        if header is not None:
            number, start = header
            route = self._routes.get(number)
            if route is not None:
                try:
                    return route, route.request_type.FromString(frame[start:])
                except DecodeError as exc:
                    raise _DropConnection(f"undecodable {route.name} request: {exc}") from exc
        try:
            request = abci.Request.FromString(frame)
        except DecodeError as exc:
            raise _DropConnection(f"undecodable Request frame of {len(frame)} bytes: {exc}") from exc
        name = request.WhichOneof("value")
        if name is None:
            return None, None
        route = self._by_name[name]
        return route, getattr(request, name)

    def _recover(self, route: _Route, exc: Exception) -> Message:
        if route.fallback is None:
            log.critical(
                "ABCI %s raised: this is a bug; halting the node (exit %d) rather than risk divergence",
                route.name,
                HALT_EXIT_CODE,
                exc_info=exc,
            )
            raise AppHalted(route.name) from exc
        log.error("ABCI %s raised; answering with an error response", route.name, exc_info=exc)
        return route.fallback(exc)


def _read_field_header(frame: bytes) -> tuple[int, int] | None:
    """(field number, start of its value) if ``frame`` is exactly one length-delimited field."""
    end = len(frame)
    if end < 2:
        return None
    key = frame[0]
    pos = 1
    if key >= 0x80:  # field numbers 16..2047 take a 2-byte key
        if frame[1] >= 0x80:
            return None
        key = (key & 0x7F) | (frame[1] << 7)
        pos = 2
    if key & 7 != 2:
        return None
    # Value length: a uvarint of at most 5 bytes for any frame we accept (< 2**31).
    length = 0
    shift = 0
    while pos < end and shift < 35:
        byte = frame[pos]
        pos += 1
        length |= (byte & 0x7F) << shift
        if byte < 0x80:
            return (key >> 3, pos) if pos + length == end else None
        shift += 7
    return None


def _encode_exception(frame: bytes) -> bytes:
    # CometBFT only sends known, non-empty requests; anything else comes from a different client
    # (newer protocol?). Every request must get an answer in FIFO order, and an exception is the
    # only answer that does not pretend success (CometBFT's client stops on it).
    log.error(
        "Request with no known field set (%d bytes: %s...); answering with an exception",
        len(frame),
        frame[:32].hex(),
    )
    body: bytes = abci.Response(
        exception=abci.ResponseException(error="unknown or empty ABCI request")
    ).SerializeToString()
    return encode_uvarint(len(body)) + body


class _Connection(asyncio.Protocol):
    def __init__(self, server: AbciServer, max_frame_size: int) -> None:
        self._server = server
        self._decoder = FrameDecoder(max_frame_size)
        self._transport: asyncio.Transport | None = None
        self._peer = "?"
        self._backlog: deque[bytes] = deque()  # frames read, not yet answered (a long read's rest)
        self._drain_scheduled = False
        self._reading_paused_by: set[str] = set()  # "backlog", "writes"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._peer = str(transport.get_extra_info("peername") or "unix socket")
        if self._server.halted:
            transport.abort()
            return
        self._server._connections.add(self)
        self._server.stats.connections += 1
        log.info("ABCI connection opened (%s)", self._peer)

    def connection_lost(self, exc: Exception | None) -> None:
        self._server._connections.discard(self)
        if exc is None:
            log.info("ABCI connection closed (%s)", self._peer)
        else:
            log.warning("ABCI connection lost (%s): %s", self._peer, exc)

    def data_received(self, data: bytes) -> None:
        if self._server.halted:
            return
        self._server.stats.reads += 1
        try:
            frames = self._decoder.feed(data)
        except FramingError as exc:
            self._protocol_error(exc)
            return
        if not frames:
            return
        if not self._backlog and len(frames) <= CHUNK_FRAMES:
            self._answer(frames)
            return
        self._backlog.extend(frames)  # behind whatever is still waiting: answers stay in order
        self._pause_reading("backlog")
        if not self._drain_scheduled:  # (one drain per connection per loop turn, not one per read)
            self._drain()

    def _drain(self) -> None:
        """Answer the next chunk of the backlog; come back on the next loop turn for the rest."""
        self._drain_scheduled = False
        transport = self._transport
        if transport is None or transport.is_closing() or self._server.halted:
            self._backlog.clear()
            return
        if "writes" in self._reading_paused_by:
            return  # resume_writing drains on
        backlog = self._backlog
        chunk = [backlog.popleft() for _ in range(min(CHUNK_FRAMES, len(backlog)))]
        if not self._answer(chunk):
            backlog.clear()
            return
        if backlog:
            self._drain_scheduled = True
            asyncio.get_running_loop().call_soon(self._drain)
        else:
            self._resume_reading("backlog")

    def _answer(self, frames: list[bytes]) -> bool:
        """Answer ``frames`` with one write; False if the connection or the node is done for."""
        server = self._server
        transport = self._transport
        assert transport is not None
        out: list[bytes] = []
        try:
            server._dispatcher.respond(frames, out)
        except (FramingError, _DropConnection) as exc:
            self._protocol_error(exc)
            return False
        except AppHalted as halt:
            server._halt(halt)
            return False
        transport.write(b"".join(out))
        stats = server.stats
        stats.writes += 1
        stats.requests += len(frames)
        return True

    def _protocol_error(self, exc: Exception) -> None:
        log.error("ABCI protocol error from %s: %s; closing the connection", self._peer, exc)
        self._backlog.clear()
        if self._transport is not None:
            self._transport.abort()

    def _pause_reading(self, reason: str) -> None:
        if not self._reading_paused_by and self._transport is not None:
            self._transport.pause_reading()
        self._reading_paused_by.add(reason)

    def _resume_reading(self, reason: str) -> None:
        self._reading_paused_by.discard(reason)
        transport = self._transport
        if not self._reading_paused_by and transport is not None and not transport.is_closing():
            transport.resume_reading()

    # Backpressure: stop reading requests (and answering the backlog) while the peer is not reading
    # our responses.
    def pause_writing(self) -> None:
        self._server.stats.write_pauses += 1
        self._pause_reading("writes")

    def resume_writing(self) -> None:
        self._resume_reading("writes")
        if self._backlog and not self._drain_scheduled:
            self._drain_scheduled = True
            asyncio.get_running_loop().call_soon(self._drain)

    def close(self, *, abort: bool = False) -> None:
        if self._transport is not None:
            if abort:
                self._transport.abort()
            else:
                self._transport.close()


@dataclass(frozen=True, slots=True)
class ListenAddress:
    """A parsed ``tcp://host:port`` or ``unix:///path`` address (CometBFT's proxy_app syntax)."""

    host: str = ""
    port: int = 0
    path: str = ""

    @property
    def is_unix(self) -> bool:
        return bool(self.path)

    @classmethod
    def parse(cls, address: str) -> ListenAddress:
        scheme, sep, rest = address.partition("://")
        if sep and rest and scheme == "unix":
            return cls(path=rest)
        if sep and scheme == "tcp":
            host, colon, port = rest.rpartition(":")
            if colon and host and port.isdigit():
                return cls(host=host.strip("[]"), port=int(port))
        raise ValueError(f"ABCI address must be tcp://host:port or unix:///path, got {address!r}")


class AbciServer:
    """Listens on one address and serves ``app`` to every connection."""

    def __init__(self, app: object, *, max_frame_size: int = MAX_FRAME_SIZE) -> None:
        self._dispatcher = _Dispatcher(app)
        self._max_frame_size = max_frame_size
        self._connections: set[_Connection] = set()
        self._server: asyncio.base_events.Server | None = None
        self._unix_path: str | None = None
        self._halted = asyncio.Event()
        self._halt_error: AppHalted | None = None
        self.stats = ServerStats()

    @property
    def halted(self) -> bool:
        return self._halt_error is not None

    async def start(self, address: str = DEFAULT_ADDRESS) -> str:
        """Start listening; return the address actually bound (tcp port 0 picks a free port)."""
        where = ListenAddress.parse(address)

        def factory() -> _Connection:
            return _Connection(self, self._max_frame_size)

        loop = asyncio.get_running_loop()
        if where.is_unix:
            # asyncio removes a stale socket file left by a killed server before binding.
            self._server = await loop.create_unix_server(factory, path=where.path)
            self._unix_path = where.path
            bound = f"unix://{where.path}"
        else:
            self._server = await loop.create_server(factory, host=where.host, port=where.port)
            port = self._server.sockets[0].getsockname()[1]
            bound = f"tcp://{where.host}:{port}"
        log.info("ABCI server listening on %s", bound)
        return bound

    async def wait(self) -> NoReturn:
        """Serve until the app halts the node (raises AppHalted) or the caller cancels."""
        await self._halted.wait()
        assert self._halt_error is not None
        raise self._halt_error

    async def close(self) -> None:
        """Stop listening, close every connection and remove the unix socket file."""
        if self._server is not None:
            self._server.close()
        for connection in list(self._connections):
            connection.close(abort=self.halted)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        if self._unix_path is not None:
            with contextlib.suppress(FileNotFoundError):
                if stat.S_ISSOCK(os.stat(self._unix_path).st_mode):
                    os.unlink(self._unix_path)
            self._unix_path = None

    def _halt(self, halt: AppHalted) -> None:
        # Stop answering anything, on every connection, before anyone else runs.
        if self._halt_error is None:
            self._halt_error = halt
        for connection in list(self._connections):
            connection.close(abort=True)
        self._halted.set()


async def serve(
    app: object,
    address: str = DEFAULT_ADDRESS,
    *,
    on_listening: Callable[[str], None] | None = None,
) -> NoReturn:
    """Serve ``app`` on ``address`` until cancelled; raises AppHalted (exit code 70) on a bug."""
    server = AbciServer(app)
    bound = await server.start(address)
    try:
        if on_listening is not None:
            on_listening(bound)
        await server.wait()
    finally:
        await server.close()


def run(app: object, address: str = DEFAULT_ADDRESS) -> None:
    """Serve until SIGINT/SIGTERM (then return); a halting app bug exits the process with 70."""

    async def main() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await serve(app, address)

    try:
        asyncio.run(main())
    except AppHalted:
        # Exit now: no other thread (gRPC server, executors) may keep the process alive or touch state.
        logging.shutdown()
        os._exit(HALT_EXIT_CODE)
