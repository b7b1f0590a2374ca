"""governance store layout (docs/spec/governance.md, "State").

``params`` · ``next`` (next proposal id, from 1) · ``p/u64(id)`` → Proposal ·
``post/u64(post_id)`` → proposal id · ``pool/u64(pool_id)`` → proposal id of a stage pool ·
``act/u64(height)|u64(id)`` → activation index of scheduled proposals.
"""

from __future__ import annotations

from collections.abc import Iterator

from modules.core import codec
from modules.core.context import Context
from modules.core.store import KVStore, StoreKey, prefix_end
from modules.governance.types import Params, Proposal

_PARAMS = b"params"
_NEXT = b"next"
_PROPOSAL = b"p/"
_BY_POST = b"post/"
_BY_POOL = b"pool/"
_ACTIVATION = b"act/"


class GovernanceState:
    def __init__(self, key: StoreKey) -> None:
        self._key = key

    def _store(self, ctx: Context) -> KVStore:
        return ctx.store(self._key)

    def params(self, ctx: Context) -> Params:
        raw = self._store(ctx).get(_PARAMS)
        return Params() if raw is None else codec.loads(Params, raw)

    def set_params(self, ctx: Context, params: Params) -> None:
        self._store(ctx).set(_PARAMS, codec.dumps(params))

    # -- proposals -----------------------------------------------------------------------

    def next_id(self, ctx: Context) -> int:
        """Allocate the next proposal id (sequential from 1)."""
        store = self._store(ctx)
        proposal_id = codec.read_int(store.get(_NEXT), default=1)
        store.set(_NEXT, codec.int_bytes(proposal_id + 1))
        return proposal_id

    def get(self, ctx: Context, proposal_id: int) -> Proposal | None:
        if not 0 <= proposal_id < 1 << 64:
            return None
        raw = self._store(ctx).get(_PROPOSAL + codec.u64(proposal_id))
        return None if raw is None else codec.loads(Proposal, raw)

    def put(self, ctx: Context, proposal: Proposal) -> None:
        self._store(ctx).set(_PROPOSAL + codec.u64(proposal.id), codec.dumps(proposal))

    def proposals(self, ctx: Context, after: int = 0) -> Iterator[Proposal]:
        """Proposals with id > ``after``, ascending."""
        if after + 1 >= 1 << 64:
            return
        for _, raw in self._store(ctx).iterate(_PROPOSAL + codec.u64(after + 1), prefix_end(_PROPOSAL)):
            yield codec.loads(Proposal, raw)

    def proposal_of_post(self, ctx: Context, post_id: int) -> int | None:
        raw = self._store(ctx).get(_BY_POST + codec.u64(post_id))
        return None if raw is None else codec.read_int(raw)

    def set_proposal_of_post(self, ctx: Context, post_id: int, proposal_id: int) -> None:
        self._store(ctx).set(_BY_POST + codec.u64(post_id), codec.int_bytes(proposal_id))

    def proposal_of_pool(self, ctx: Context, pool_id: int) -> int | None:
        raw = self._store(ctx).get(_BY_POOL + codec.u64(pool_id))
        return None if raw is None else codec.read_int(raw)

    def set_proposal_of_pool(self, ctx: Context, pool_id: int, proposal_id: int) -> None:
        self._store(ctx).set(_BY_POOL + codec.u64(pool_id), codec.int_bytes(proposal_id))

    # -- activation index ----------------------------------------------------------------

    def schedule(self, ctx: Context, height: int, proposal_id: int) -> None:
        self._store(ctx).set(_ACTIVATION + codec.u64(height) + codec.u64(proposal_id), b"")

    def unschedule(self, ctx: Context, height: int, proposal_id: int) -> None:
        self._store(ctx).delete(_ACTIVATION + codec.u64(height) + codec.u64(proposal_id))

    def due(self, ctx: Context, height: int) -> list[tuple[int, int]]:
        """(activation height, proposal id) of scheduled proposals due at or before ``height``, in order."""
        return self._scheduled(ctx, _ACTIVATION + codec.u64(height + 1))

    def scheduled(self, ctx: Context) -> list[tuple[int, int]]:
        """Every scheduled (activation height, proposal id), in order."""
        return self._scheduled(ctx, prefix_end(_ACTIVATION))

    def _scheduled(self, ctx: Context, end: bytes | None) -> list[tuple[int, int]]:
        n = len(_ACTIVATION)
        return [
            (codec.read_u64(k[n : n + 8]), codec.read_u64(k[n + 8 :]))
            for k, _ in self._store(ctx).iterate(_ACTIVATION, end)
        ]
