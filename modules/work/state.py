"""work's storage layout (private to the module).

b"params"                        -> Params
b"next"                          -> next request id (from 1)
b"r" + u64(id)                   -> WorkRequest
b"t" + u64(time_ns) + u64(id)    -> b""  the request's pending timer (deadline or verdict cutoff)
b"w" + u64(epoch) + u64(id)      -> b""  a pending request waiting for the seed of its target epoch
b"c" + client + u64(id)          -> b""  requests by client
b"x" + expert + u64(id)          -> b""  requests by expert
b"e" + u64(post_id)              -> u64(request id)  posts already used as evidence
b"P" + u64(pool_id)              -> u64(request id)  the request behind a validation pool
"""

from __future__ import annotations

from modules.core import codec
from modules.core.collections import U64, KeySet, Map, ParamsItem, Schedule, Sequence, json_value
from modules.core.context import Context
from modules.core.store import StoreKey, prefix_end
from modules.work.types import Params, Status, WorkRequest

_WAITING = b"w"


class WorkState:
    def __init__(self, key: StoreKey) -> None:
        # params and the id sequence are used by the keeper directly
        self.params = ParamsItem(key, json_value(Params), Params())
        self.ids = Sequence(key, b"next")
        self._requests = Map(key, b"r", json_value(WorkRequest))
        # timers: at most one per request, keyed so end_block reads only what is due
        self._timers = Schedule(key, b"t")
        # pending requests by target epoch, so end_block looks only at the lowest one
        self._waiting = Schedule(key, _WAITING)
        self._key = key
        self._by_client = KeySet(key, b"c")
        self._by_expert = KeySet(key, b"x")
        self._evidence = Map(key, b"e", U64)
        self._pools = Map(key, b"P", U64)

    def request(self, ctx: Context, request_id: int) -> WorkRequest | None:
        return self._requests.get(ctx, request_id)

    def put(self, ctx: Context, request: WorkRequest) -> None:
        self._requests.set(ctx, request.id, request)
        self._by_client.add(ctx, request.client, request.id)
        if request.expert is not None:
            self._by_expert.add(ctx, request.expert, request.id)

    def set_timer(self, ctx: Context, time_ns: int, request_id: int) -> None:
        self._timers.add(ctx, time_ns, request_id)

    def clear_timer(self, ctx: Context, time_ns: int, request_id: int) -> None:
        self._timers.remove(ctx, time_ns, request_id)

    def due_timers(self, ctx: Context, now_ns: int) -> list[tuple[int, int]]:
        """(time_ns, request_id) of timers with time <= now, in ascending order."""
        return self._timers.due(ctx, now_ns)

    def wait_for_seed(self, ctx: Context, epoch: int, request_id: int) -> None:
        self._waiting.add(ctx, epoch, request_id)

    def stop_waiting(self, ctx: Context, epoch: int, request_id: int) -> None:
        self._waiting.remove(ctx, epoch, request_id)

    def first_waiting_epoch(self, ctx: Context) -> int | None:
        """The lowest target epoch of a pending request (one store read)."""
        for key, _ in ctx.store(self._key).iterate(_WAITING, prefix_end(_WAITING)):
            return codec.read_u64(key[1:9])
        return None

    def waiting_for(self, ctx: Context, epoch: int) -> list[int]:
        """The pending requests targeting ``epoch``, ascending id."""
        return [i for e, i in self._waiting.due(ctx, epoch) if e == epoch]

    def waiting(self, ctx: Context, limit: int) -> list[tuple[int, int]]:
        """The first ``limit`` (target epoch, request id) of pending requests, ascending."""
        found: list[tuple[int, int]] = []
        for key, _ in ctx.store(self._key).iterate(_WAITING, prefix_end(_WAITING)):
            if len(found) >= limit:
                break
            found.append((codec.read_u64(key[1:9]), codec.read_u64(key[9:17])))
        return found

    def mark_evidence(self, ctx: Context, post_id: int, request_id: int) -> None:
        self._evidence.set(ctx, post_id, request_id)

    def evidence_of(self, ctx: Context, post_id: int) -> int | None:
        return self._evidence.get(ctx, post_id)

    def link_pool(self, ctx: Context, pool_id: int, request_id: int) -> None:
        self._pools.set(ctx, pool_id, request_id)

    def request_of_pool(self, ctx: Context, pool_id: int) -> int | None:
        return self._pools.get(ctx, pool_id)

    def requests(self, ctx: Context) -> list[WorkRequest]:
        """Every request, ascending id (ids 1 .. next - 1: requests are never deleted)."""
        found = (self.request(ctx, request_id) for request_id in range(1, self.ids.peek(ctx)))
        return [request for request in found if request is not None]

    def restore(self, ctx: Context, requests: list[WorkRequest], next_request_id: int) -> None:
        """Genesis: exported requests with the indexes and timers they imply."""
        for request in requests:
            self.put(ctx, request)
            if request.post_id is not None:
                self.mark_evidence(ctx, request.post_id, request.id)
            if request.pool_id is not None:
                self.link_pool(ctx, request.pool_id, request.id)
            if request.status == Status.PENDING and request.target_epoch is not None:
                self.wait_for_seed(ctx, request.target_epoch, request.id)
            elif request.status == Status.ASSIGNED and request.deadline_ns is not None:
                self.set_timer(ctx, request.deadline_ns, request.id)
            elif request.status == Status.EVIDENCE and request.verdict_cutoff_ns is not None:
                self.set_timer(ctx, request.verdict_cutoff_ns, request.id)
        if next_request_id > 1:  # never stored before the first request
            self.ids.set(ctx, next_request_id)

    def ids_by_client(self, ctx: Context, client: bytes) -> list[int]:
        return self._by_client.ids(ctx, client)

    def ids_by_expert(self, ctx: Context, expert: bytes) -> list[int]:
        return self._by_expert.ids(ctx, expert)
