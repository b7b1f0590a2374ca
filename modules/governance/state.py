"""governance store layout (docs/spec/governance.md, "State").

``params`` · ``next`` (next proposal id, from 1) · ``p/u64(id)`` → Proposal ·
``post/u64(post_id)`` → proposal id · ``pool/u64(pool_id)`` → proposal id of a stage pool ·
``act/u64(height)|u64(id)`` → activation index of scheduled proposals.
"""

from __future__ import annotations

from collections.abc import Iterator

from modules.core.collections import UINT, Map, ParamsItem, Schedule, Sequence, json_value
from modules.core.context import Context
from modules.core.store import StoreKey
from modules.governance.errors import ERR_INVALID_PARAMS
from modules.governance.types import SCHEDULED, Params, Proposal


class GovernanceState:
    def __init__(self, key: StoreKey) -> None:
        # params and the id sequence are used by the keeper directly
        self.params = ParamsItem(key, json_value(Params), Params(), error=ERR_INVALID_PARAMS)
        self.ids = Sequence(key, b"next")
        self._proposals = Map(key, b"p/", json_value(Proposal))
        self._by_post = Map(key, b"post/", UINT)
        self._by_pool = Map(key, b"pool/", UINT)
        self._activation = Schedule(key, b"act/")

    # -- proposals -----------------------------------------------------------------------

    def get(self, ctx: Context, proposal_id: int) -> Proposal | None:
        return self._proposals.get(ctx, proposal_id)

    def put(self, ctx: Context, proposal: Proposal) -> None:
        self._proposals.set(ctx, proposal.id, proposal)

    def proposals(self, ctx: Context, after: int = 0) -> Iterator[Proposal]:
        """Proposals with id > ``after``, ascending."""
        for _, proposal in self._proposals.items(ctx, start=after + 1):
            yield proposal

    def restore(self, ctx: Context, proposals: list[Proposal], next_proposal_id: int) -> None:
        """Genesis: exported proposals with the indexes they imply."""
        for proposal in proposals:
            self.put(ctx, proposal)
            self.set_proposal_of_post(ctx, proposal.post_id, proposal.id)
            self.set_proposal_of_pool(ctx, proposal.stage1_pool, proposal.id)
            if proposal.stage2_pool:
                self.set_proposal_of_pool(ctx, proposal.stage2_pool, proposal.id)
            if proposal.status == SCHEDULED:
                self.schedule(ctx, proposal.activation_height, proposal.id)
        if next_proposal_id > 1:  # never stored before the first proposal
            self.ids.set(ctx, next_proposal_id)

    def proposal_of_post(self, ctx: Context, post_id: int) -> int | None:
        return self._by_post.get(ctx, post_id)

    def set_proposal_of_post(self, ctx: Context, post_id: int, proposal_id: int) -> None:
        self._by_post.set(ctx, post_id, proposal_id)

    def proposal_of_pool(self, ctx: Context, pool_id: int) -> int | None:
        return self._by_pool.get(ctx, pool_id)

    def set_proposal_of_pool(self, ctx: Context, pool_id: int, proposal_id: int) -> None:
        self._by_pool.set(ctx, pool_id, proposal_id)

    # -- activation index ----------------------------------------------------------------

    def schedule(self, ctx: Context, height: int, proposal_id: int) -> None:
        self._activation.add(ctx, height, proposal_id)

    def unschedule(self, ctx: Context, height: int, proposal_id: int) -> None:
        self._activation.remove(ctx, height, proposal_id)

    def due(self, ctx: Context, height: int) -> list[tuple[int, int]]:
        """(activation height, proposal id) of scheduled proposals due at or before ``height``, in order."""
        return self._activation.due(ctx, height)

    def scheduled(self, ctx: Context) -> list[tuple[int, int]]:
        """Every scheduled (activation height, proposal id), in order."""
        return self._activation.all(ctx)
