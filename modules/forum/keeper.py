"""forum keeper: the interface other modules (validation_pool, work) and the handlers call."""

from __future__ import annotations

from modules.core.context import Context
from modules.core.errors import ensure
from modules.core.store import StoreKey
from modules.forum import errors as E
from modules.forum.deps import Reputation
from modules.forum.propagation import Propagation
from modules.forum.state import ForumState
from modules.forum.types import (
    CONTENT_HASH_LEN,
    INCINERATOR_ID,
    PPM,
    Author,
    AuthorWeights,
    AwardOutcome,
    Citation,
    CitationWeights,
    Params,
    Post,
)

ADDRESS_LEN = 20


class ForumKeeper:
    def __init__(self, key: StoreKey, reputation: Reputation) -> None:
        self._state = ForumState(key)
        self._rep = reputation

    # --- params ---------------------------------------------------------------------------------
    def params(self, ctx: Context) -> Params:
        return self._state.params.get(ctx)

    def set_params(self, ctx: Context, params: Params) -> None:
        self._state.params.set(ctx, params)

    # --- genesis ----------------------------------------------------------------------------------
    def export_state(self, ctx: Context) -> tuple[list[Post], int, int]:
        """(posts with values, next post id, incinerated) for a genesis export."""
        return self._state.posts(ctx), self._state.ids.peek(ctx), self._state.incinerated(ctx)

    def restore_state(self, ctx: Context, posts: list[Post], next_post_id: int, incinerated: int) -> None:
        """Genesis: the state of :meth:`export_state` back into an empty store."""
        self._state.restore(ctx, posts, next_post_id, incinerated)

    # --- posts ------------------------------------------------------------------------------------
    def create_post(
        self,
        ctx: Context,
        *,
        sender: bytes,
        content_hash: bytes,
        authors: AuthorWeights,
        citations: CitationWeights,
    ) -> int:
        """Validate and store a post; returns its id. Raises a forum TxError naming the broken rule."""
        size = len(content_hash)
        ensure(size == CONTENT_HASH_LEN, E.ERR_INVALID_CONTENT_HASH(f"{size} bytes"))
        params = self._state.params.get(ctx)
        post_id = self._state.ids.peek(ctx)
        author_list = _check_authors(params, sender, authors)
        citation_list = self._check_citations(ctx, params, post_id, citations)
        post = Post(
            id=post_id,
            sender=sender,
            content_hash=content_hash,
            authors=author_list,
            citations=citation_list,
            height=ctx.block.height,
            time_ns=ctx.block.time_ns,
        )
        self._state.put_post(ctx, post)
        self._state.ids.set(ctx, post_id + 1)
        ctx.emit("forum.post", id=post_id, sender=sender.hex(), content_hash=content_hash.hex())
        return post_id

    def get(self, ctx: Context, post_id: int) -> Post | None:
        """The post with its current value; post 0 is the Incinerator (value = REP destroyed in it)."""
        if post_id == INCINERATOR_ID:
            return Post(INCINERATOR_ID, b"", b"", (), (), 0, 0, self._state.incinerated(ctx))
        return self._state.post(ctx, post_id)

    def exists(self, ctx: Context, post_id: int) -> bool:
        return post_id == INCINERATOR_ID or self._state.post(ctx, post_id) is not None

    def is_author(self, ctx: Context, post_id: int, addr: bytes) -> bool:
        post = self._state.post(ctx, post_id)
        return post is not None and any(a.address == addr for a in post.authors)

    def posts_by_author(self, ctx: Context, author: bytes) -> list[int]:
        return self._state.post_ids_by_author(ctx, author)

    def next_post_id(self, ctx: Context) -> int:
        return self._state.ids.peek(ctx)

    def incinerated(self, ctx: Context) -> int:
        return self._state.incinerated(ctx)

    # --- REP --------------------------------------------------------------------------------------
    def award(self, ctx: Context, post_id: int, amount: int) -> None:
        """Propagate ``amount`` newly minted REP from ``post_id`` along citations; mints via reputation.

        The REP is minted here, to whoever ends up with it (nothing is minted to the post itself)."""
        self.propagate(ctx, post_id, amount)

    def propagate(self, ctx: Context, post_id: int, amount: int) -> AwardOutcome:
        """:meth:`award`, returning where the REP went."""
        ensure(amount >= 0, E.ERR_INVALID_AMOUNT(str(amount)))
        ensure(self.exists(ctx, post_id), E.ERR_UNKNOWN_POST(str(post_id)))
        if amount == 0:
            return AwardOutcome()
        depth_limit = self._state.params.get(ctx).depth_limit
        outcome = Propagation(ctx, self._state, self._rep, depth_limit).run(post_id, amount)
        ctx.emit(
            "forum.award",
            post_id=post_id,
            amount=amount,
            minted=outcome.minted,
            destroyed=outcome.destroyed,
            incinerated=outcome.incinerated,
            leached=outcome.leached,
        )
        return outcome

    # --- validation -------------------------------------------------------------------------------
    def _check_citations(
        self, ctx: Context, params: Params, post_id: int, citations: CitationWeights
    ) -> tuple[Citation, ...]:
        limit = params.max_citations
        ensure(len(citations) <= limit, E.ERR_TOO_MANY_CITATIONS(f"{len(citations)} > {limit}"))
        seen: set[int] = set()
        total = 0
        for target, weight in citations:
            in_range = weight != 0 and -PPM <= weight <= PPM
            ensure(in_range, E.ERR_INVALID_CITATION_WEIGHT(f"{weight} on post {target}"))
            ensure(target not in seen, E.ERR_DUPLICATE_CITATION(str(target)))
            seen.add(target)
            ensure(target != post_id, E.ERR_SELF_CITATION(str(target)))
            ensure(0 <= target < post_id and self.exists(ctx, target), E.ERR_UNKNOWN_CITED_POST(str(target)))
            ensure(target != INCINERATOR_ID or weight > 0, E.ERR_NEGATIVE_INCINERATOR_CITATION(str(weight)))
            total += abs(weight)
        ensure(total <= PPM, E.ERR_CITATION_WEIGHTS_SUM(str(total)))
        return tuple(Citation(t, w) for t, w in citations)


def _check_authors(params: Params, sender: bytes, authors: AuthorWeights) -> tuple[Author, ...]:
    ensure(len(authors) > 0, E.ERR_NO_AUTHORS)
    ensure(len(authors) <= params.max_authors, E.ERR_TOO_MANY_AUTHORS(f"max {params.max_authors}"))
    seen: set[bytes] = set()
    for addr, weight in authors:
        ensure(len(addr) == ADDRESS_LEN, E.ERR_INVALID_AUTHOR_ADDRESS(f"got {len(addr)} bytes"))
        ensure(1 <= weight <= PPM, E.ERR_INVALID_AUTHOR_WEIGHT(str(weight)))
        ensure(addr not in seen, E.ERR_DUPLICATE_AUTHOR(addr.hex()))
        seen.add(addr)
    total = sum(w for _, w in authors)
    ensure(total == PPM, E.ERR_AUTHOR_WEIGHTS_SUM(str(total)))
    ensure(sender in seen, E.ERR_SENDER_NOT_AUTHOR)
    return tuple(Author(a, w) for a, w in authors)
