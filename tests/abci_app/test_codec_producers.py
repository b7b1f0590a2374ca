"""MsgRegisterConsensusKey on the wire: Msg oneof field 80, bytes kept as they are."""

from __future__ import annotations

from abci_app.codec import decode_msg, encode_msg
from abci_app.pb.bpdao.v1 import tx_pb2
from modules.producers.types import MsgRegisterConsensusKey


def test_register_consensus_key_round_trip_and_field_number() -> None:
    msg = MsgRegisterConsensusKey(pub_key=bytes(range(32)), possession_sig=bytes(range(64)))
    pb = encode_msg(msg)
    assert pb.WhichOneof("sum") == "register_consensus_key"
    assert tx_pb2.Msg.DESCRIPTOR.fields_by_name["register_consensus_key"].number == 80
    wire = pb.SerializeToString()
    again = tx_pb2.Msg()
    again.ParseFromString(wire)
    assert decode_msg(again) == msg
