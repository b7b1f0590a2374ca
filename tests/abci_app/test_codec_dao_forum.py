"""The forum, availability and work messages on the wire: round trips through the Msg oneof."""

from __future__ import annotations

from typing import Any

import pytest

from abci_app.codec import CodecError, decode_msg, encode_msg
from abci_app.pb.bpdao.v1 import tx_pb2
from modules.availability.types import MsgExtendAvailability, MsgReclaimAvailability, MsgStakeAvailability
from modules.core.address import to_bech32
from modules.forum.types import Author, Citation, MsgPost
from modules.work.types import MsgRequestWork, MsgSubmitEvidence, MsgVerdict

ALICE, BOB = bytes(range(20)), bytes(range(20, 40))

MESSAGES: list[Any] = [
    MsgStakeAvailability("block_production", 500, 86_400),
    MsgExtendAvailability(3, 60),
    MsgReclaimAvailability(2**64 - 1),
    MsgPost(
        b"\x01" * 32,
        (Author(ALICE, 600_000), Author(BOB, 400_000)),
        (Citation(0, 10), Citation(7, -1_000_000)),
    ),
    MsgPost(b"\x02" * 32, (Author(ALICE, 1_000_000),)),
    MsgRequestWork("block_production", 300, b"\x03" * 32, 3_600),
    MsgSubmitEvidence(1, 12),
    MsgVerdict(1, False),
]


@pytest.mark.parametrize("msg", MESSAGES, ids=lambda m: type(m).__name__)
def test_round_trip_through_the_wire(msg: Any) -> None:
    wire = encode_msg(msg).SerializeToString()
    assert decode_msg(tx_pb2.Msg.FromString(wire)) == msg


def test_post_authors_are_bech32_and_negative_citations_survive() -> None:
    pb = encode_msg(MESSAGES[3])
    assert pb.WhichOneof("sum") == "post"
    assert [a.address for a in pb.post.authors] == [to_bech32(ALICE), to_bech32(BOB)]
    assert [c.weight_ppm for c in pb.post.citations] == [10, -1_000_000]


def test_out_of_range_values_are_refused() -> None:
    with pytest.raises(CodecError):
        encode_msg(MsgPost(b"\x01" * 32, (Author(ALICE, 1_000_000),), (Citation(1, -(2**31) - 1),)))
    with pytest.raises(CodecError):
        encode_msg(MsgStakeAvailability("x", -1, 1))
    pb = tx_pb2.Msg()
    pb.post.authors.add(address="bpdao1notanaddress", weight_ppm=1)
    with pytest.raises(CodecError):
        decode_msg(pb)
