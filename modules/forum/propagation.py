"""Propagation of newly minted REP along citations (docs/spec/forum.md, "Propagation").

An amount ``A`` arriving at post ``P`` at depth ``d`` (the awarded post is depth 0):

1. If ``d < depth_limit``, ``P``'s citations are followed, negative ones first, then positive ones,
   each group in ascending target id. A citation of weight ``w`` gets ``share = floor(A * |w| / PPM)``
   (a zero share is skipped).
   * ``w < 0`` (leach): the share is spent to take up to ``share`` from the target: at most the target's
     accrued value, and from each target author at most their free REP. What is taken is burned from
     the target's authors and lowers the target's value; the share spent that way is destroyed (never
     minted). What could not be taken is refunded: it stays with ``P``.
   * ``w > 0`` (donate): the share goes to the target (recursively, depth ``d + 1``); to the
     Incinerator (post 0) it is destroyed and recorded.
2. What remains (``A`` minus shares donated and leach shares spent, including every rounding
   remainder and every refund) raises ``P``'s value and is minted to ``P``'s authors by weight
   (pro-rata rounding rule).

So ``A == minted + destroyed`` exactly, and supply changes by ``minted - leached``.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.core.context import Context
from modules.forum.deps import Reputation
from modules.forum.split import pro_rata
from modules.forum.state import ForumState
from modules.forum.types import INCINERATOR_ID, PPM, AwardOutcome, Post


@dataclass
class _Tally:
    minted: int = 0
    destroyed: int = 0
    incinerated: int = 0
    leached: int = 0

    def outcome(self) -> AwardOutcome:
        return AwardOutcome(self.minted, self.destroyed, self.incinerated, self.leached)


class Propagation:
    """One award: walks the citation DAG from the awarded post (citations only point to older posts,
    so the walk ends; depth_limit bounds it)."""

    def __init__(self, ctx: Context, state: ForumState, reputation: Reputation, depth_limit: int) -> None:
        self._ctx = ctx
        self._state = state
        self._rep = reputation
        self._depth_limit = depth_limit
        self._tally = _Tally()

    def run(self, post_id: int, amount: int) -> AwardOutcome:
        if post_id == INCINERATOR_ID:
            self._incinerate(amount)
        else:
            self._receive(self._post(post_id), amount, 0)
        return self._tally.outcome()

    def _post(self, post_id: int) -> Post:
        post = self._state.post(self._ctx, post_id)
        assert post is not None, "citations only name existing posts"
        return post

    def _receive(self, post: Post, amount: int, depth: int) -> None:
        kept = amount
        if depth < self._depth_limit:
            ordered = sorted(post.citations, key=lambda c: c.post_id)
            for c in (c for c in ordered if c.weight_ppm < 0):
                share = amount * -c.weight_ppm // PPM
                if share:
                    taken = self._leach(self._post(c.post_id), share)
                    self._tally.destroyed += taken
                    kept -= taken
            for c in (c for c in ordered if c.weight_ppm > 0):
                share = amount * c.weight_ppm // PPM
                if not share:
                    continue
                kept -= share
                if c.post_id == INCINERATOR_ID:
                    self._incinerate(share)
                else:
                    self._receive(self._post(c.post_id), share, depth + 1)
        self._credit(post, kept)

    def _credit(self, post: Post, amount: int) -> None:
        if not amount:
            return
        self._state.set_value(self._ctx, post.id, self._state.value(self._ctx, post.id) + amount)
        for addr, share in pro_rata(amount, [(a.address, a.weight_ppm) for a in post.authors]):
            if share:
                self._rep.mint(self._ctx, addr, share)
        self._tally.minted += amount

    def _leach(self, target: Post, share: int) -> int:
        """Take up to ``share`` from ``target``: never more than its value, and from each author never
        more than their free REP (REP never goes negative; no debt). Returns what was taken."""
        want = min(share, self._state.value(self._ctx, target.id))
        if not want:
            return 0
        taken = 0
        for addr, part in pro_rata(want, [(a.address, a.weight_ppm) for a in target.authors]):
            take = min(part, self._rep.free(self._ctx, addr))
            if take:
                self._rep.burn_free(self._ctx, addr, take)
                taken += take
        self._state.set_value(self._ctx, target.id, self._state.value(self._ctx, target.id) - taken)
        self._tally.leached += taken
        return taken

    def _incinerate(self, amount: int) -> None:
        self._state.add_incinerated(self._ctx, amount)
        self._tally.destroyed += amount
        self._tally.incinerated += amount
