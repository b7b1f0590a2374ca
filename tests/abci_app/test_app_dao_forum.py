"""forum, availability and work wired into the real app (default_wiring): the whole work loop as
signed txs through FinalizeBlock + Commit, answers through Query."""

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


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Application]:
    a = start_app(
        tmp_path,
        CHAIN,
        Timestamp(seconds=T0),
        rep=[(EXPERT, 500), (MEMBER, 500)],
        accounts=(EXPERT, MEMBER, CLIENT, OTHER),
    )
    yield a
    a.close()


class Chain(SignedChain):
    def __init__(self, app: Application) -> None:
        super().__init__(app, CHAIN, SEEDS, FEE, T0)

    block = SignedChain.block_at  # blocks here are placed at absolute times


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


def test_the_expert_is_drawn_with_the_block_hash_as_randomness(app: Application) -> None:
    chain = Chain(app)
    chain.block(1, (0, MsgStakeAvailability(BLOCK_PRODUCTION, 100, 3_600)))
    chain.block(1, (1, MsgStakeAvailability(BLOCK_PRODUCTION, 300, 3_600)))
    experts = [EXPERT, MEMBER]
    for request_id in range(1, 3):
        stakes = chain.query("/availability/stakes_by_kind", kind=BLOCK_PRODUCTION)["stakes"]
        active = [s for s in stakes if s["active"]]
        block_hash = bytes([chain.height + 1]) * 32
        index = weighted_index(assignment_seed(block_hash, request_id), [s["amount"] for s in active])
        assert index is not None
        expected = active[index]["owner"]
        chain.block(2 + request_id, (2, MsgRequestWork(BLOCK_PRODUCTION, 10, b"\x01" * 32, 600)))
        assert chain.query("/work/request", id=request_id)["expert"] == expected
        assert expected in {to_bech32(e) for e in experts}


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
