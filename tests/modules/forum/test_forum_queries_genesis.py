"""forum queries and genesis."""

from __future__ import annotations

import pytest

from modules.core.address import to_bech32
from modules.core.errors import GenesisError
from modules.core.module import QueryError
from modules.forum.module import ForumModule
from modules.forum.types import INCINERATOR_ID, PPM, Params
from tests.modules.forum.dao_helpers import addr, make_ctx, new_reputation

ALICE, BOB = addr("alice"), addr("bob")


def test_post_and_author_queries_answer_with_values_and_bech32_addresses() -> None:
    module = ForumModule(new_reputation())
    ctx = make_ctx()
    k = module.keeper
    p1 = k.create_post(ctx, sender=ALICE, content_hash=b"\x01" * 32, authors=[(ALICE, PPM)], citations=[])
    k.create_post(
        ctx,
        sender=BOB,
        content_hash=b"\x02" * 32,
        authors=[(BOB, 700_000), (ALICE, 300_000)],
        citations=[(p1, 400_000), (INCINERATOR_ID, 100_000)],
    )
    k.award(ctx, 2, 1_000)
    q = module.queries()
    view = ctx.read_only()
    answer = q["post"](view, {"id": 2})
    assert answer["value"] == 500 and answer["sender"] == to_bech32(BOB)
    assert answer["authors"] == [
        {"address": to_bech32(BOB), "weight_ppm": 700_000},
        {"address": to_bech32(ALICE), "weight_ppm": 300_000},
    ]
    assert answer["citations"] == [
        {"post_id": 1, "weight_ppm": 400_000},
        {"post_id": 0, "weight_ppm": 100_000},
    ]
    assert q["post"](view, {"id": "1"})["value"] == 400
    assert q["post"](view, {"id": 0})["value"] == 100  # the Incinerator shows what it destroyed
    assert q["posts_by_author"](view, {"author": to_bech32(ALICE)})["post_ids"] == [1, 2]
    params = q["params"](view, {})
    assert (params["depth_limit"], params["incinerated"], params["next_post_id"]) == (3, 100, 3)


@pytest.mark.parametrize(
    ("path", "args"),
    [
        ("post", {}),
        ("post", {"id": -1}),
        ("post", {"id": "x"}),
        ("post", {"id": True}),
        ("post", {"id": 9}),
        ("posts_by_author", {"author": "nope"}),
        ("posts_by_author", {}),
    ],
)
def test_bad_query_arguments_are_query_errors(path: str, args: dict[str, object]) -> None:
    module = ForumModule(new_reputation())
    with pytest.raises(QueryError):
        module.queries()[path](make_ctx().read_only(), args)


def test_genesis_params_round_trip_and_bad_params_are_named() -> None:
    module = ForumModule(new_reputation())
    ctx = make_ctx()
    module.init_genesis(ctx, {"params": {"depth_limit": 2}})
    assert module.keeper.params(ctx) == Params(depth_limit=2)
    assert module.export_genesis(ctx) == {
        "params": {"depth_limit": 2, "max_authors": 16, "max_citations": 8},
        "posts": [],
        "next_post_id": 1,
        "incinerated": 0,
    }
    bad_sections: list[dict[str, object]] = [
        {"params": {"depth_limit": 9}},
        {"params": {"max_authors": "3"}},
        {"params": []},
    ]
    for bad in bad_sections:
        with pytest.raises(GenesisError, match=r"forum\.params"):
            module.validate_genesis(bad)
