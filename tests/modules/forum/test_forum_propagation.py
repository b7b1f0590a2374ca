"""forum.award: propagation of minted REP along citations, with hand-computed expectations
(docs/spec/forum.md, "Propagation")."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from modules.core.context import Context
from modules.forum.module import ForumModule
from modules.forum.types import INCINERATOR_ID, PPM, AwardOutcome, Params
from tests.modules.forum.dao_helpers import addr, make_ctx, new_reputation, sum_of_balances

A, B, C, D, E = (addr(n) for n in "ABCDE")
HASH = b"\x11" * 32


class World:
    def __init__(self, depth_limit: int = 3) -> None:
        self.rep = new_reputation()
        self.forum = ForumModule(self.rep).keeper
        self.ctx: Context = make_ctx()
        self.forum.set_params(self.ctx, Params(depth_limit=depth_limit))

    def post(self, authors: list[tuple[bytes, int]], citations: list[tuple[int, int]] | None = None) -> int:
        return self.forum.create_post(
            self.ctx, sender=authors[0][0], content_hash=HASH, authors=authors, citations=citations or []
        )

    def award(self, post_id: int, amount: int) -> AwardOutcome:
        supply_before = self.rep.total_supply(self.ctx)
        outcome = self.forum.propagate(self.ctx, post_id, amount)
        # conservation, whatever the case
        assert outcome.minted + outcome.destroyed == amount
        assert self.rep.total_supply(self.ctx) == supply_before + outcome.minted - outcome.leached
        assert sum_of_balances(self.rep, self.ctx) == self.rep.total_supply(self.ctx)
        return outcome

    def rep_of(self, who: bytes) -> int:
        return self.rep.balance(self.ctx, who)

    def value(self, post_id: int) -> int:
        post = self.forum.get(self.ctx, post_id)
        assert post is not None
        return post.value


def test_award_without_citations_goes_to_the_single_author() -> None:
    w = World()
    p = w.post([(A, PPM)])
    assert w.award(p, 1000) == AwardOutcome(minted=1000)
    assert w.rep_of(A) == 1000 and w.value(p) == 1000


def test_authors_split_by_weight_with_dust_to_the_largest_weight() -> None:
    w = World()
    p = w.post([(A, 600_000), (B, 400_000)])
    w.award(p, 1001)  # floors 600 and 400; the dust 1 goes to A (largest weight)
    assert (w.rep_of(A), w.rep_of(B)) == (601, 400)


def test_dust_tie_goes_to_the_lowest_address() -> None:
    w = World()
    low, high = sorted([A, B])
    p = w.post([(high, 500_000), (low, 500_000)])
    w.award(p, 3)
    assert (w.rep_of(low), w.rep_of(high)) == (2, 1)


def test_positive_citations_donate_down_to_the_depth_limit() -> None:
    w = World(depth_limit=3)
    p1 = w.post([(A, PPM)])
    p2 = w.post([(B, PPM)], [(p1, 500_000)])
    p3 = w.post([(C, PPM)], [(p2, 500_000)])
    p4 = w.post([(D, PPM)], [(p3, 500_000)])
    p5 = w.post([(E, PPM)], [(p4, 500_000)])
    w.award(p5, 1000)
    # depth 0: p5 keeps 500, gives 500 to p4; p4 keeps 250, gives 250; p3 keeps 125, gives 125;
    # p2 is at depth 3 = the limit: it keeps all 125 and p1 gets nothing.
    assert [w.rep_of(x) for x in (E, D, C, B, A)] == [500, 250, 125, 125, 0]
    assert [w.value(p) for p in (p5, p4, p3, p2, p1)] == [500, 250, 125, 125, 0]


def test_depth_limit_zero_keeps_everything_on_the_awarded_post() -> None:
    w = World(depth_limit=0)
    p1 = w.post([(A, PPM)])
    p2 = w.post([(B, PPM)], [(p1, PPM)])
    w.award(p2, 90)
    assert (w.rep_of(A), w.rep_of(B)) == (0, 90)


def test_negative_citation_leaches_at_most_the_targets_value_and_refunds_the_rest() -> None:
    w = World()
    p1 = w.post([(A, PPM)])
    w.award(p1, 100)
    p2 = w.post([(B, PPM)], [(p1, -PPM)])
    outcome = w.award(p2, 300)
    # share 300 would leach 300, but p1 only gained 100: 100 burned from A, the 100 spent is
    # destroyed, the unused 200 is refunded to p2.
    assert outcome == AwardOutcome(minted=200, destroyed=100, incinerated=0, leached=100)
    assert (w.rep_of(A), w.rep_of(B)) == (0, 200)
    assert (w.value(p1), w.value(p2)) == (0, 200)
    assert w.rep.total_supply(w.ctx) == 200


def test_leach_takes_only_free_rep_and_refunds_what_is_encumbered() -> None:
    w = World()
    p1 = w.post([(A, PPM)])
    w.award(p1, 100)
    w.rep.encumber(w.ctx, A, 70)  # A's REP backs a stake elsewhere: only 30 is free
    p2 = w.post([(B, PPM)], [(p1, -500_000)])
    outcome = w.award(p2, 400)
    # share 200, capped by p1's value (100) then by A's free REP (30)
    assert outcome.leached == 30 and outcome.destroyed == 30
    assert (w.rep_of(A), w.rep.free(w.ctx, A), w.value(p1)) == (70, 0, 70)
    assert w.rep_of(B) == 370


def test_leach_splits_over_the_targets_authors_by_weight() -> None:
    w = World()
    p1 = w.post([(A, 750_000), (B, 250_000)])
    w.award(p1, 1000)  # A 750, B 250
    p2 = w.post([(C, PPM)], [(p1, -100_000)])
    w.award(p2, 1001)  # share floor(100.1) = 100: A loses 75, B 25; C keeps 1001 - 100
    assert (w.rep_of(A), w.rep_of(B), w.rep_of(C)) == (675, 225, 901)
    assert w.value(p1) == 900


def test_leaches_run_before_donations() -> None:
    w = World()
    q = w.post([(A, PPM)])
    w.award(q, 100)
    r = w.post([(C, PPM)], [(q, PPM)])
    p = w.post([(B, PPM)], [(q, -500_000), (r, 500_000)])
    outcome = w.award(p, 400)
    # leach first: share 200 takes q's whole value 100 (A: 100 -> 0), 100 destroyed, p keeps 300;
    # then donate 200 to r, which passes all of it to q (A: 0 -> 200); p keeps 100.
    assert outcome == AwardOutcome(minted=300, destroyed=100, incinerated=0, leached=100)
    assert (w.rep_of(A), w.rep_of(B), w.rep_of(C)) == (200, 100, 0)
    assert (w.value(q), w.value(r), w.value(p)) == (200, 0, 100)


def test_incinerator_destroys_what_is_propagated_to_it() -> None:
    w = World()
    p1 = w.post([(A, PPM)])
    p2 = w.post([(B, PPM)], [(INCINERATOR_ID, 250_000), (p1, 250_000)])
    outcome = w.award(p2, 1000)
    assert outcome == AwardOutcome(minted=750, destroyed=250, incinerated=250, leached=0)
    assert (w.rep_of(A), w.rep_of(B)) == (250, 500)
    assert w.value(INCINERATOR_ID) == 250 and w.forum.incinerated(w.ctx) == 250


def test_awarding_the_incinerator_destroys_everything() -> None:
    w = World()
    assert w.award(INCINERATOR_ID, 40) == AwardOutcome(minted=0, destroyed=40, incinerated=40, leached=0)
    assert w.rep.total_supply(w.ctx) == 0


def test_rounding_dust_stays_with_the_citing_post_and_zero_shares_are_skipped() -> None:
    w = World()
    p1 = w.post([(A, PPM)])
    p2 = w.post([(B, PPM)], [(p1, 333_333)])
    w.award(p2, 7)  # share floor(2.33) = 2
    assert (w.rep_of(A), w.rep_of(B)) == (2, 5)
    w.award(p2, 2)  # share floor(0.67) = 0: nothing goes to p1
    assert (w.rep_of(A), w.rep_of(B)) == (2, 7)


def test_zero_award_changes_nothing() -> None:
    w = World()
    p = w.post([(A, PPM)])
    assert w.award(p, 0) == AwardOutcome()
    assert w.rep_of(A) == 0 and w.ctx.events[-1].type == "forum.post"


@settings(max_examples=60, deadline=None)  # type: ignore[untyped-decorator]
@given(st.data())  # type: ignore[untyped-decorator]
def test_conservation_on_random_graphs(data: st.DataObject) -> None:
    w = World(depth_limit=data.draw(st.integers(0, 4)))
    people = [A, B, C, D, E]
    for _ in range(data.draw(st.integers(1, 8))):
        n_authors = data.draw(st.integers(1, 3))
        chosen = data.draw(st.permutations(people))[:n_authors]
        cut = sorted(
            data.draw(
                st.lists(st.integers(1, PPM - 1), min_size=n_authors - 1, max_size=n_authors - 1, unique=True)
            )
        )
        bounds = [0, *cut, PPM]
        authors = [(a, bounds[i + 1] - bounds[i]) for i, a in enumerate(chosen)]
        next_id = w.forum.next_post_id(w.ctx)
        targets = data.draw(st.lists(st.integers(0, next_id - 1), unique=True, max_size=3))
        budget = PPM
        citations = []
        for t in targets:
            weight = data.draw(st.integers(1, max(1, budget // 2)))
            negative = t != INCINERATOR_ID and data.draw(st.booleans())
            citations.append((t, -weight if negative else weight))
            budget -= weight
        post_id = w.post(authors, citations)
        if data.draw(st.booleans()):
            w.award(post_id, data.draw(st.integers(0, 10**6)))  # World.award checks conservation
        encumber_who = data.draw(st.sampled_from(people))
        w.rep.encumber(w.ctx, encumber_who, w.rep.free(w.ctx, encumber_who) // 2)
    values = [w.value(p) for p in range(1, w.forum.next_post_id(w.ctx))]
    assert all(v >= 0 for v in values)
    # all REP here came through the forum: the posts' values account for every unit of it
    assert sum(values) == w.rep.total_supply(w.ctx)
    assert all(w.rep_of(x) >= 0 for x in people)
