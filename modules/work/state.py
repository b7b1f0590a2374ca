"""work's storage layout (private to the module).

b"params"                        -> Params
b"next"                          -> next request id (from 1)
b"r" + u64(id)                   -> WorkRequest
b"t" + u64(time_ns) + u64(id)    -> b""  the request's pending timer (deadline or verdict cutoff)
b"c" + client + u64(id)          -> b""  requests by client
b"x" + expert + u64(id)          -> b""  requests by expert
b"e" + u64(post_id)              -> u64(request id)  posts already used as evidence
b"P" + u64(pool_id)              -> u64(request id)  the request behind a validation pool
"""

from __future__ import annotations

from modules.core import codec
from modules.core.context import Context
from modules.core.store import KVStore, StoreKey, prefix_end
from modules.work.types import Params, WorkRequest

_PARAMS = b"params"
_NEXT = b"next"
_REQUEST = b"r"
_TIMER = b"t"
_BY_CLIENT = b"c"
_BY_EXPERT = b"x"
_EVIDENCE = b"e"
_POOL = b"P"


class WorkState:
    def __init__(self, key: StoreKey) -> None:
        self._key = key

    def _s(self, ctx: Context) -> KVStore:
        return ctx.store(self._key)

    def params(self, ctx: Context) -> Params:
        raw = self._s(ctx).get(_PARAMS)
        return Params() if raw is None else codec.loads(Params, raw)

    def set_params(self, ctx: Context, params: Params) -> None:
        self._s(ctx).set(_PARAMS, codec.dumps(params))

    def take_next_id(self, ctx: Context) -> int:
        next_id = codec.read_int(self._s(ctx).get(_NEXT), default=1)
        self._s(ctx).set(_NEXT, codec.int_bytes(next_id + 1))
        return next_id

    def request(self, ctx: Context, request_id: int) -> WorkRequest | None:
        if not 0 <= request_id < 1 << 64:
            return None
        raw = self._s(ctx).get(_REQUEST + codec.u64(request_id))
        return None if raw is None else codec.loads(WorkRequest, raw)

    def put(self, ctx: Context, request: WorkRequest) -> None:
        s = self._s(ctx)
        rid = codec.u64(request.id)
        s.set(_REQUEST + rid, codec.dumps(request))
        s.set(_BY_CLIENT + request.client + rid, b"")
        s.set(_BY_EXPERT + request.expert + rid, b"")

    # timers: at most one per request, keyed so end_block reads only what is due
    def set_timer(self, ctx: Context, time_ns: int, request_id: int) -> None:
        self._s(ctx).set(_TIMER + codec.u64(time_ns) + codec.u64(request_id), b"")

    def clear_timer(self, ctx: Context, time_ns: int, request_id: int) -> None:
        self._s(ctx).delete(_TIMER + codec.u64(time_ns) + codec.u64(request_id))

    def due_timers(self, ctx: Context, now_ns: int) -> list[tuple[int, int]]:
        """(time_ns, request_id) of timers with time <= now, in ascending order."""
        end = _TIMER + codec.u64(now_ns + 1) if now_ns + 1 < 1 << 64 else prefix_end(_TIMER)
        return [
            (codec.read_u64(k[1:9]), codec.read_u64(k[9:17])) for k, _ in self._s(ctx).iterate(_TIMER, end)
        ]

    def mark_evidence(self, ctx: Context, post_id: int, request_id: int) -> None:
        self._s(ctx).set(_EVIDENCE + codec.u64(post_id), codec.u64(request_id))

    def evidence_of(self, ctx: Context, post_id: int) -> int | None:
        raw = self._s(ctx).get(_EVIDENCE + codec.u64(post_id))
        return None if raw is None else codec.read_u64(raw)

    def link_pool(self, ctx: Context, pool_id: int, request_id: int) -> None:
        self._s(ctx).set(_POOL + codec.u64(pool_id), codec.u64(request_id))

    def request_of_pool(self, ctx: Context, pool_id: int) -> int | None:
        raw = self._s(ctx).get(_POOL + codec.u64(pool_id))
        return None if raw is None else codec.read_u64(raw)

    def ids_by_client(self, ctx: Context, client: bytes) -> list[int]:
        return self._ids(ctx, _BY_CLIENT + client)

    def ids_by_expert(self, ctx: Context, expert: bytes) -> list[int]:
        return self._ids(ctx, _BY_EXPERT + expert)

    def _ids(self, ctx: Context, prefix: bytes) -> list[int]:
        return [codec.read_u64(k[len(prefix) :]) for k, _ in self._s(ctx).iterate(prefix, prefix_end(prefix))]
