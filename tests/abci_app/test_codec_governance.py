"""The governance message on the wire: a round trip through the Msg oneof (field 70)."""

from __future__ import annotations

import pytest

from abci_app.codec import CodecError, decode_msg, encode_msg
from abci_app.pb.bpdao.v1 import tx_pb2
from modules.governance.types import MsgProposeParamChange, ParamChange

MSG = MsgProposeParamChange(
    post_id=7,
    changes=(
        ParamChange("validation_pool", "quorum", '{"den":5,"num":1}'),
        ParamChange("governance", "work_contract_version", "2"),
    ),
    fee=100,
)


def test_round_trip_through_the_wire() -> None:
    pb = encode_msg(MSG)
    assert pb.WhichOneof("sum") == "propose_param_change"
    assert tx_pb2.Msg.DESCRIPTOR.fields_by_name["propose_param_change"].number == 70
    assert decode_msg(tx_pb2.Msg.FromString(pb.SerializeToString())) == MSG


def test_a_proposal_without_changes_survives_the_wire_and_is_refused_by_the_module() -> None:
    empty = MsgProposeParamChange(post_id=1, changes=(), fee=100)
    assert decode_msg(tx_pb2.Msg.FromString(encode_msg(empty).SerializeToString())) == empty


def test_out_of_range_values_are_refused() -> None:
    with pytest.raises(CodecError):
        encode_msg(MsgProposeParamChange(post_id=-1, changes=(), fee=1))
    with pytest.raises(CodecError):
        encode_msg(MsgProposeParamChange(post_id=1, changes=(), fee=2**64))
