"""Read the app's committed state (and, for a wallet's next nonce, its check state) from gRPC worker
threads, safely.

The ABCI server drives the Application from the asyncio thread; gRPC handlers run in grpc's
thread pool. Rather than make the Application thread-safe, every read is handed to the asyncio
loop and runs *between* ABCI calls, exactly as an ABCI ``Query`` / ``Info`` from CometBFT would.
The Application answers those from committed state (``query_pending``: from its check state, which
changes only between ABCI calls too), so a gRPC reader never sees a block half-executed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from abci_app.pb.tendermint.abci import types_pb2 as abci

T = TypeVar("T")


class QueryableApp(Protocol):
    def info(self, request: Any) -> Any: ...

    def query(self, request: Any) -> Any: ...

    def query_pending(self, request: Any) -> Any: ...


class QueryFailed(Exception):
    """The app refused a query (unknown path, bad arguments, nothing found); ``log`` says why."""

    def __init__(self, path: str, code: int, codespace: str, log: str) -> None:
        super().__init__(f"query {path} failed ({codespace or 'app'} code {code}): {log}")
        self.path = path
        self.code = code
        self.codespace = codespace
        self.log = log


@dataclass(frozen=True)
class QueryAnswer:
    value: Any  # decoded JSON
    height: int


@dataclass(frozen=True)
class CommittedInfo:
    height: int
    app_hash: bytes


class AppReader:
    def __init__(self, app: QueryableApp, loop: asyncio.AbstractEventLoop, timeout: float = 10.0) -> None:
        self._app = app
        self._loop = loop
        self._timeout = timeout

    def _on_loop(self, fn: Callable[[], T]) -> T:
        async def call() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(self._timeout)

    def info(self) -> CommittedInfo:
        response = self._on_loop(lambda: self._app.info(abci.RequestInfo()))
        return CommittedInfo(int(response.last_block_height), bytes(response.last_block_app_hash))

    def query(self, path: str, args: dict[str, Any] | None = None) -> QueryAnswer:
        return self.query_many([(path, args or {})])[0]

    def query_many(
        self,
        queries: Sequence[tuple[str, dict[str, Any]]],
        *,
        pending: Sequence[tuple[str, dict[str, Any]]] = (),
    ) -> list[QueryAnswer]:
        """Several queries answered in one turn of the loop: ``queries`` from the committed state,
        then ``pending`` from the check state (committed + what the mempool accepted since), in order."""
        committed = [abci.RequestQuery(path=path, data=json.dumps(args).encode()) for path, args in queries]
        after = [abci.RequestQuery(path=path, data=json.dumps(args).encode()) for path, args in pending]
        requests = committed + after
        responses = self._on_loop(
            lambda: [self._app.query(r) for r in committed] + [self._app.query_pending(r) for r in after]
        )
        answers = []
        for request, response in zip(requests, responses, strict=True):
            if response.code != 0:
                raise QueryFailed(
                    request.path, int(response.code), str(response.codespace), str(response.log)
                )
            value = json.loads(response.value) if response.value else None
            answers.append(QueryAnswer(value, int(response.height)))
        return answers
