"""Msg oneof <-> module dataclasses: the field-name mapping, its type rules and its errors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import Descriptor

from abci_app.codec import REGISTRY, CodecError, MsgRegistry, _MessageCodec, decode_msg, encode_msg
from abci_app.pb.bpdao.v1 import bank_pb2, tx_pb2
from modules.bank.types import MsgSend
from modules.core.address import to_bech32

BOB = bytes(range(20))
_T = descriptor_pb2.FieldDescriptorProto


def _pool_message(name: str, fields: list[tuple[str, int, bool, str]]) -> Descriptor:
    """A throwaway proto message type: fields are (name, type, repeated, nested message name)."""
    fdp = descriptor_pb2.FileDescriptorProto(name=f"test_{name}.proto", package="codectest", syntax="proto3")
    inner = fdp.message_type.add(name="Inner")
    inner.field.add(name="who", number=1, type=_T.TYPE_STRING, label=_T.LABEL_OPTIONAL)
    inner.field.add(name="n", number=2, type=_T.TYPE_UINT32, label=_T.LABEL_OPTIONAL)
    msg = fdp.message_type.add(name=name)
    for i, (fname, ftype, repeated, type_name) in enumerate(fields, start=1):
        label = _T.LABEL_REPEATED if repeated else _T.LABEL_OPTIONAL
        field = msg.field.add(name=fname, number=i, type=ftype, label=label)
        if type_name:
            field.type_name = type_name
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return pool.FindMessageTypeByName(f"codectest.{name}")


@dataclass(frozen=True)
class Inner:
    who: bytes
    n: int


@dataclass(frozen=True)
class Everything:
    addr: bytes
    blob: bytes
    big: int
    small: int
    text: str
    flag: bool
    inner: Inner
    many: tuple[Inner, ...]
    addrs: tuple[bytes, ...]


EVERYTHING_FIELDS = [
    ("addr", _T.TYPE_STRING, False, ""),
    ("blob", _T.TYPE_BYTES, False, ""),
    ("big", _T.TYPE_UINT64, False, ""),
    ("small", _T.TYPE_INT32, False, ""),
    ("text", _T.TYPE_STRING, False, ""),
    ("flag", _T.TYPE_BOOL, False, ""),
    ("inner", _T.TYPE_MESSAGE, False, ".codectest.Inner"),
    ("many", _T.TYPE_MESSAGE, True, ".codectest.Inner"),
    ("addrs", _T.TYPE_STRING, True, ""),
]


def test_send_round_trip_uses_bech32_on_the_wire() -> None:
    msg = encode_msg(MsgSend(to=BOB, amount=42))
    assert msg.WhichOneof("sum") == "send"
    assert msg.send.to == to_bech32(BOB)
    assert msg.send.amount == 42
    assert decode_msg(msg) == MsgSend(to=BOB, amount=42)


def test_every_wire_kind_round_trips() -> None:
    codec = _MessageCodec(Everything, _pool_message("Everything", EVERYTHING_FIELDS))
    value = Everything(
        addr=BOB,
        blob=b"\x00\xff",
        big=2**64 - 1,
        small=-5,
        text="ünïcode",
        flag=True,
        inner=Inner(who=bytes(20), n=7),
        many=(Inner(who=BOB, n=1), Inner(who=bytes(20), n=2)),
        addrs=(BOB, bytes(20)),
    )
    pb = codec.encode(value, "x")
    assert pb.addr == to_bech32(BOB)
    assert list(pb.addrs) == [to_bech32(BOB), to_bech32(bytes(20))]
    wire = pb.SerializeToString()
    assert codec.decode(codec.proto_cls.FromString(wire), "x") == value


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"big": -1}, "x.big"),
        ({"big": 2**64}, "x.big"),
        ({"small": 2**31}, "x.small"),
        ({"big": True}, "x.big"),
        ({"addr": b"short"}, "x.addr"),
        ({"blob": "text"}, "x.blob"),
        ({"text": b"bytes"}, "x.text"),
        ({"flag": 1}, "x.flag"),
        ({"inner": "not inner"}, "x.inner"),
        ({"many": (Inner(who=b"bad", n=1),)}, "x.many[0].who"),
        ({"addrs": (BOB, b"x")}, "x.addrs[1]"),
    ],
)
def test_encoding_a_bad_value_names_the_field(changes: dict[str, object], path: str) -> None:
    codec = _MessageCodec(Everything, _pool_message("Everything", EVERYTHING_FIELDS))
    base: dict[str, object] = {
        "addr": BOB,
        "blob": b"",
        "big": 0,
        "small": 0,
        "text": "",
        "flag": False,
        "inner": Inner(who=BOB, n=0),
        "many": (),
        "addrs": (),
    }
    base.update(changes)
    with pytest.raises(CodecError, match=path.replace("[", r"\[").replace("]", r"\]")):
        codec.encode(Everything(**base), "x")  # type: ignore[arg-type]


def test_decoding_a_bad_nested_address_names_the_field() -> None:
    codec = _MessageCodec(Everything, _pool_message("Everything", EVERYTHING_FIELDS))
    pb = codec.proto_cls(addr=to_bech32(BOB))
    pb.inner.who = to_bech32(BOB)
    pb.many.add(who="bpdao1nope", n=1)
    with pytest.raises(CodecError, match=r"x\.many\[0\]\.who: bad address"):
        codec.decode(pb, "x")


def test_decoding_an_unset_address_is_an_error_not_empty_bytes() -> None:
    with pytest.raises(CodecError, match=r"msg\.send\.to"):
        decode_msg(tx_pb2.Msg(send=bank_pb2.MsgSend(amount=1)))


def test_registration_refuses_mismatched_field_names() -> None:
    @dataclass(frozen=True)
    class Wrong:
        recipient: bytes
        amount: int

    with pytest.raises(TypeError, match="fields"):
        MsgRegistry().register("send", Wrong)


def test_registration_refuses_incompatible_types() -> None:
    @dataclass(frozen=True)
    class Wrong:
        to: bytes
        amount: str

    with pytest.raises(TypeError, match="amount"):
        MsgRegistry().register("send", Wrong)


def test_registration_refuses_repeated_mismatch() -> None:
    @dataclass(frozen=True)
    class Wrong:
        addrs: bytes

    with pytest.raises(TypeError, match="repeated"):
        _MessageCodec(Wrong, _pool_message("Rep", [("addrs", _T.TYPE_STRING, True, "")]))


def test_registration_refuses_unknown_oneof_field_and_duplicates() -> None:
    registry = MsgRegistry()
    with pytest.raises(TypeError, match="no field"):
        registry.register("no_such_msg", MsgSend)
    registry.register("send", MsgSend)
    with pytest.raises(TypeError, match="twice"):
        registry.register("send", MsgSend)


def test_encoding_an_unregistered_type_is_an_error() -> None:
    with pytest.raises(CodecError, match="not a registered message"):
        encode_msg(Inner(who=BOB, n=1))


def test_global_registry_lists_send() -> None:
    assert REGISTRY.field_name(MsgSend) == "send"
    assert MsgSend in REGISTRY.message_types()
