"""The reputation, validation_pool and salary messages on the wire (abci_app/codec.py registrations)."""

from __future__ import annotations

import pytest

from abci_app.codec import CodecError, decode_msg, encode_msg
from abci_app.pb.bpdao.v1 import tx_pb2
from modules.core.address import to_bech32
from modules.reputation.types import MsgSetStakeAllowance
from modules.salary.types import MsgClaimSalary
from modules.validation_pool.types import MsgInitiatePool, MsgStake

OWNER = bytes(range(20))


@pytest.mark.parametrize(
    ("msg", "field"),
    [
        (MsgSetStakeAllowance(delegate=OWNER, amount=7), "set_stake_allowance"),
        (MsgInitiatePool(post_id=3, fee=10, duration_s=0), "initiate_pool"),
        (MsgStake(pool_id=1, amount=5, in_favor=True, owner=b""), "stake"),
        (MsgStake(pool_id=1, amount=5, in_favor=False, owner=OWNER), "stake"),
        (MsgClaimSalary(), "claim_salary"),
    ],
)
def test_messages_round_trip_through_the_msg_oneof(msg: object, field: str) -> None:
    wire = encode_msg(msg)
    assert wire.WhichOneof("sum") == field
    assert decode_msg(tx_pb2.Msg.FromString(wire.SerializeToString())) == msg


def test_allowance_delegate_travels_as_bech32() -> None:
    wire = encode_msg(MsgSetStakeAllowance(delegate=OWNER, amount=1))
    assert wire.set_stake_allowance.delegate == to_bech32(OWNER)


def test_a_bad_delegate_address_is_a_codec_error() -> None:
    wire = tx_pb2.Msg()
    wire.set_stake_allowance.delegate = "bpdao1notanaddress"
    with pytest.raises(CodecError):
        decode_msg(wire)
