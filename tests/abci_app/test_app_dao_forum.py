"""forum, availability and work wired into the real app (default_wiring, with Proof of Reputation): the
whole work loop as signed txs through FinalizeBlock + Commit, answers through Query. A request waits
for the beacon seed of its target epoch (docs/spec/work.md, "Waiting for the seed")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dao_chain import SignedChain, start_app
from google.protobuf.timestamp_pb2 import Timestamp
from nacl.signing import SigningKey

from abci_app.app import Application
from modules.availability.selection import weighted_index
from modules.availability.types import BLOCK_PRODUCTION, MsgStakeAvailability
from modules.core.address import address_from_pubkey, to_bech32
from modules.forum.types import Author, Citation, MsgPost
from modules.validation_pool.types import MsgStake
from modules.work.keeper import assignment_seed
from modules.work.types import MsgRequestWork, MsgSubmitEvidence, MsgVerdict

CHAIN = "bpdao-dao-forum"
SEEDS = [bytes([i + 11]) * 32 for i in range(4)]
EXPERT, MEMBER, CLIENT, OTHER = (address_from_pubkey(bytes(SigningKey(s).verify_key)) for s in SEEDS)
FEE = 10
T0 = 1_700_000_000
EPOCH = 8  # commit phase heights 1-4 of epoch 0, reveal 5-6, quiet 7-8; decision D_0 = 7, D_1 = 15


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Application]:
    a = start_app(
        tmp_path,
        CHAIN,
        Timestamp(seconds=T0),
        rep=[(EXPERT, 500), (MEMBER, 500)],
        accounts=(EXPERT, MEMBER, CLIENT, OTHER),
        sections={"producers": {"params": {"epoch_length": EPOCH}}},
    )
    yield a
    a.close()


class Chain(SignedChain):
    def __init__(self, app: Application) -> None:
        super().__init__(app, CHAIN, SEEDS, FEE, T0)

    block = SignedChain.block_at  # blocks here are placed at absolute times

    def until_height(self, height: int, at_s: int) -> None:
        """Empty blocks at ``at_s`` up to ``height``."""
        while self.height < height:
            self.block(at_s)


def solo_post(author: bytes, *citations: tuple[int, int]) -> MsgPost:
    return MsgPost(b"\x5a" * 32, (Author(author, 1_000_000),), tuple(Citation(p, w) for p, w in citations))


def test_the_work_loop_through_signed_txs(app: Application) -> None:
    chain = Chain(app)
    ok = ("", 0)
    assert chain.block(
        1,
        (0, MsgStakeAvailability(BLOCK_PRODUCTION, 400, 3_600)),
        (1, solo_post(MEMBER)),  # post 1
    ) == [ok, ok]
    assert chain.block(2, (2, MsgRequestWork(BLOCK_PRODUCTION, 1_000, b"\x01" * 32, 600))) == [ok]
    request = chain.query("/work/request", id=1)
    assert (request["expert"], request["status"], request["target_epoch"]) == (None, "pending", 0)
    chain.until_height(EPOCH, 2)  # epoch 0's seed is decided at height 7, work draws in block 8
    request = chain.query("/work/request", id=1)
    assert (request["expert"], request["status"]) == (to_bech32(EXPERT), "assigned")
    assert chain.block(
        3,
        (0, solo_post(EXPERT, (1, 250_000))),  # post 2: the evidence, citing post 1 at +25 %
        (0, MsgSubmitEvidence(1, 2)),
        (3, MsgVerdict(1, True)),  # not the client
    ) == [ok, ok, ("work", 8)]
    assert chain.block(4, (2, MsgVerdict(1, True)), (1, MsgStake(1, 500, True))) == [ok, ok]
    assert chain.query("/work/request", id=1)["status"] == "pool_open"
    assert chain.query("/validation_pool/pool", id=1)["total_for"] == 900
    chain.block(4 + 60)  # the pool's default duration has passed: resolved in this block's end_block
    assert chain.query("/work/request", id=1)["status"] == "accepted"
    # minted 1,000: 500 to the evidence post (125 of it on to post 1), 500 to the for-stakers 400 : 500
    assert chain.query("/forum/post", id=2)["value"] == 375
    assert chain.query("/forum/post", id=1)["value"] == 125
    assert chain.query("/reputation/balance", address=to_bech32(EXPERT))["balance"] == 500 + 375 + 222
    assert chain.query("/reputation/balance", address=to_bech32(MEMBER))["balance"] == 500 + 125 + 278
    assert chain.query("/availability/stakes_by_member", member=to_bech32(EXPERT))["stakes"] == []


def _expected_expert(chain: Chain, request_id: int, seed: bytes) -> str:
    stakes = chain.query("/availability/stakes_by_kind", kind=BLOCK_PRODUCTION)["stakes"]
    active = [s for s in stakes if s["active"] and not s["assigned"]]
    index = weighted_index(assignment_seed(seed, request_id), [s["amount"] for s in active])
    assert index is not None
    owner: str = active[index]["owner"]
    return owner


@pytest.mark.parametrize(
    ("request_height", "target", "decision"),
    [(2, 0, 7), (4, 0, 7), (5, 1, 15), (7, 1, 15), (8, 1, 15), (9, 1, 15)],
    ids=["commit", "last-commit", "reveal", "decision-height", "quiet", "next-commit"],
)
def test_a_request_is_drawn_from_the_seed_decided_after_it_in_the_block_after_the_decision(
    app: Application, request_height: int, target: int, decision: int
) -> None:
    """Commit phase of epoch e: epoch e's seed (decided at D_e); later in the epoch: epoch e + 1's. The
    draw uses that seed, never the block hash, in block D + 1."""
    chain = Chain(app)
    stakes = (
        (0, MsgStakeAvailability(BLOCK_PRODUCTION, 100, 3_600)),
        (1, MsgStakeAvailability(BLOCK_PRODUCTION, 300, 3_600)),
    )
    chain.block(1, *stakes)
    chain.until_height(request_height - 1, 1)
    assert chain.block(2, (2, MsgRequestWork(BLOCK_PRODUCTION, 10, b"\x01" * 32, 600))) == [("", 0)]
    assert chain.height == request_height
    assert chain.query("/work/request", id=1)["target_epoch"] == target
    chain.until_height(decision, 3)
    assert chain.query("/work/request", id=1)["status"] == "pending"  # the seed is decided at D's end
    assert chain.query("/work/pending")["pending"] == [{"id": 1, "target_epoch": target}]
    seed = chain.query("/beacon/seed")
    assert seed["epoch"] == target
    expected = _expected_expert(chain, 1, bytes.fromhex(seed["seed"]))
    chain.block(4)
    request = chain.query("/work/request", id=1)
    assert (request["status"], request["expert"]) == ("assigned", expected)
    assert request["deadline_ns"] == (T0 + 4 + 600) * 10**9  # the deadline runs from the assignment
    assert chain.query("/work/pending")["pending"] == []


def test_a_request_with_nobody_left_at_the_draw_is_refunded(app: Application) -> None:
    chain = Chain(app)
    chain.block(1, (0, MsgStakeAvailability(BLOCK_PRODUCTION, 100, 60)))  # ends before the draw
    balance = chain.query("/bank/balance", address=to_bech32(CLIENT))["amount"]
    assert chain.block(2, (2, MsgRequestWork(BLOCK_PRODUCTION, 700, b"\x01" * 32, 600))) == [("", 0)]
    chain.until_height(EPOCH, 100)
    assert chain.query("/work/request", id=1)["status"] == "no_expert"
    assert chain.query("/bank/balance", address=to_bech32(CLIENT))["amount"] == balance - FEE  # tx fee only


def test_bad_dao_messages_get_their_module_codes(app: Application) -> None:
    chain = Chain(app)
    results = chain.block(
        1,
        (0, MsgStakeAvailability("Block", 1, 60)),
        (0, solo_post(MEMBER)),  # sender is not the author
        (2, MsgRequestWork(BLOCK_PRODUCTION, 10, b"\x01" * 32, 600)),  # nobody available
        (2, MsgSubmitEvidence(9, 1)),
    )
    assert results == [("availability", 1), ("forum", 8), ("work", 5), ("work", 6)]
    assert chain.query("/forum/params")["next_post_id"] == 1
