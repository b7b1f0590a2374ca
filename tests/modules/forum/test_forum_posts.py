"""forum posts: each rule of MsgPost as pre-state / message / post-state (docs/spec/forum.md)."""

from __future__ import annotations

import pytest

from modules.core.context import Context
from modules.core.errors import ErrorCode, TxError
from modules.forum import errors as E
from modules.forum.module import ForumModule
from modules.forum.types import INCINERATOR_ID, PPM, Author, Citation, MsgPost, Params
from tests.modules.forum.dao_helpers import addr, make_ctx, new_reputation, snapshot

ALICE, BOB, CAROL = addr("alice"), addr("bob"), addr("carol")
HASH = bytes(range(32))


def setup() -> tuple[ForumModule, Context]:
    module = ForumModule(new_reputation())
    ctx = make_ctx()
    module.init_genesis(ctx, module.default_genesis())
    return module, ctx


def post(module: ForumModule, ctx: Context, sender: bytes, msg: MsgPost) -> None:
    """Run the message like the app does: in a branch, committed only on success."""
    branch = ctx.branch()
    module.msg_handlers()[MsgPost](branch, sender, msg)
    branch.commit()


def solo(author: bytes, *citations: tuple[int, int]) -> MsgPost:
    return MsgPost(HASH, (Author(author, PPM),), tuple(Citation(t, w) for t, w in citations))


def test_post_gets_the_next_id_and_is_listed_by_author() -> None:
    module, ctx = setup()
    post(module, ctx, ALICE, solo(ALICE))
    two_authors = (Author(BOB, 400_000), Author(ALICE, 600_000))
    post(module, ctx, BOB, MsgPost(HASH, two_authors, (Citation(1, -300_000),)))
    k = module.keeper
    second = k.get(ctx, 2)
    assert second is not None
    assert second.sender == BOB and second.value == 0 and second.height == ctx.block.height
    assert second.citations == (Citation(1, -300_000),)
    assert k.posts_by_author(ctx, ALICE) == [1, 2] and k.posts_by_author(ctx, BOB) == [2]
    assert k.next_post_id(ctx) == 3
    assert [e.type for e in ctx.events] == ["forum.post", "forum.post"]


def test_incinerator_exists_from_genesis_and_can_be_cited_positively() -> None:
    module, ctx = setup()
    assert module.keeper.exists(ctx, INCINERATOR_ID)
    incinerator = module.keeper.get(ctx, INCINERATOR_ID)
    assert incinerator is not None and incinerator.value == 0 and incinerator.authors == ()
    post(module, ctx, ALICE, solo(ALICE, (INCINERATOR_ID, 10)))
    assert module.keeper.exists(ctx, 1)


def test_citation_weights_may_reach_the_limits_exactly() -> None:
    module, ctx = setup()
    post(module, ctx, ALICE, solo(ALICE))
    post(module, ctx, ALICE, solo(ALICE))
    post(module, ctx, ALICE, solo(ALICE, (1, -PPM)))
    post(module, ctx, ALICE, solo(ALICE, (1, 500_000), (2, -500_000)))
    assert module.keeper.next_post_id(ctx) == 5


BAD_POSTS = [
    ("short hash", ALICE, MsgPost(b"\x01" * 31, (Author(ALICE, PPM),)), E.ERR_INVALID_CONTENT_HASH),
    ("no authors", ALICE, MsgPost(HASH, ()), E.ERR_NO_AUTHORS),
    (
        "bad address",
        ALICE,
        MsgPost(HASH, (Author(ALICE, 500_000), Author(b"\x01" * 19, 500_000))),
        E.ERR_INVALID_AUTHOR_ADDRESS,
    ),
    ("zero weight", ALICE, MsgPost(HASH, (Author(ALICE, PPM), Author(BOB, 0))), E.ERR_INVALID_AUTHOR_WEIGHT),
    (
        "duplicate author",
        ALICE,
        MsgPost(HASH, (Author(ALICE, 500_000), Author(ALICE, 500_000))),
        E.ERR_DUPLICATE_AUTHOR,
    ),
    (
        "weights below 1e6",
        ALICE,
        MsgPost(HASH, (Author(ALICE, 500_000), Author(BOB, 499_999))),
        E.ERR_AUTHOR_WEIGHTS_SUM,
    ),
    (
        "weights above 1e6",
        ALICE,
        MsgPost(HASH, (Author(ALICE, 500_000), Author(BOB, 500_001))),
        E.ERR_AUTHOR_WEIGHTS_SUM,
    ),
    ("sender not author", CAROL, solo(ALICE), E.ERR_SENDER_NOT_AUTHOR),
    ("zero citation", ALICE, solo(ALICE, (1, 0)), E.ERR_INVALID_CITATION_WEIGHT),
    ("citation > 1e6", ALICE, solo(ALICE, (1, PPM + 1)), E.ERR_INVALID_CITATION_WEIGHT),
    ("citation < -1e6", ALICE, solo(ALICE, (1, -PPM - 1)), E.ERR_INVALID_CITATION_WEIGHT),
    ("sum |w| > 1e6", ALICE, solo(ALICE, (1, 600_000), (2, -400_001)), E.ERR_CITATION_WEIGHTS_SUM),
    ("duplicate target", ALICE, solo(ALICE, (1, 100), (1, 200)), E.ERR_DUPLICATE_CITATION),
    ("self citation", ALICE, solo(ALICE, (3, 100)), E.ERR_SELF_CITATION),
    ("future post", ALICE, solo(ALICE, (4, 100)), E.ERR_UNKNOWN_CITED_POST),
    ("negative incinerator", ALICE, solo(ALICE, (INCINERATOR_ID, -100)), E.ERR_NEGATIVE_INCINERATOR_CITATION),
]


@pytest.mark.parametrize(("case", "sender", "msg", "error"), BAD_POSTS, ids=[c[0] for c in BAD_POSTS])
def test_a_broken_rule_has_its_own_code_and_changes_nothing(
    case: str, sender: bytes, msg: MsgPost, error: ErrorCode
) -> None:
    module, ctx = setup()
    post(module, ctx, ALICE, solo(ALICE))
    post(module, ctx, BOB, solo(BOB))  # posts 1 and 2 exist; the next id is 3
    before = snapshot(ctx)
    with pytest.raises(TxError) as raised:
        post(module, ctx, sender, msg)
    assert (raised.value.codespace, raised.value.code) == ("forum", error.code)
    assert snapshot(ctx) == before


def test_too_many_authors_and_citations_are_refused() -> None:
    module, ctx = setup()
    module.keeper.set_params(ctx, Params(depth_limit=3, max_authors=2, max_citations=1))
    post(module, ctx, ALICE, solo(ALICE))
    post(module, ctx, ALICE, solo(ALICE))
    three = MsgPost(HASH, (Author(ALICE, 400_000), Author(BOB, 300_000), Author(CAROL, 300_000)))
    with pytest.raises(TxError) as raised:
        post(module, ctx, ALICE, three)
    assert raised.value.code == E.ERR_TOO_MANY_AUTHORS.code
    with pytest.raises(TxError) as raised:
        post(module, ctx, ALICE, solo(ALICE, (1, 10), (2, 10)))
    assert raised.value.code == E.ERR_TOO_MANY_CITATIONS.code


def test_all_error_codes_are_distinct() -> None:
    codes = [v.code for v in vars(E).values() if isinstance(v, ErrorCode)]
    assert len(codes) == len(set(codes)) and min(codes) >= 1
