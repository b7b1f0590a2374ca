"""Module messages <-> the ``bpdao.v1.Msg`` oneof, generically by field name.

Each module declares its messages as frozen dataclasses whose field names equal the fields
of its proto message. The conversion is driven by the two declarations together:

| dataclass type | proto field type         | on the wire                                   |
|----------------|--------------------------|-----------------------------------------------|
| ``bytes``      | ``string``               | a bech32 address ``bpdao1…`` (20 raw bytes inside) |
| ``bytes``      | ``bytes``                | raw bytes                                     |
| ``int``        | ``uint32/uint64/int32/int64`` | the integer (range-checked when encoding) |
| ``str``        | ``string``               | text                                          |
| ``bool``       | ``bool``                 | bool                                          |
| a dataclass    | a message                | nested, same rules                            |
| ``tuple[X, ...]`` | ``repeated``          | each element by the rules above               |

Adding a message is one line in :data:`_MESSAGES` (oneof field name, dataclass). Registration
checks that the dataclass and the proto message have the same field names and compatible
types, so a mismatch fails at import time, not on the first tx.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from typing import Any

from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from abci_app.pb.bpdao.v1 import tx_pb2
from modules.availability.types import MsgExtendAvailability, MsgReclaimAvailability, MsgStakeAvailability
from modules.bank.types import MsgSend
from modules.core.address import from_bech32, to_bech32
from modules.forum.types import MsgPost
from modules.governance.types import MsgProposeParamChange
from modules.producers.types import MsgRegisterConsensusKey
from modules.reputation.types import MsgSetStakeAllowance
from modules.salary.types import MsgClaimSalary
from modules.validation_pool.types import MsgInitiatePool, MsgStake
from modules.work.types import MsgRequestWork, MsgSubmitEvidence, MsgVerdict

# One line per message: (field name in the ``Msg`` oneof, the module's dataclass).
_MESSAGES: tuple[tuple[str, type], ...] = (
    # bank 1-9
    ("send", MsgSend),
    # reputation 10-19
    ("set_stake_allowance", MsgSetStakeAllowance),
    # availability 20-29
    ("stake_availability", MsgStakeAvailability),
    ("extend_availability", MsgExtendAvailability),
    ("reclaim_availability", MsgReclaimAvailability),
    # forum 30-39
    ("post", MsgPost),
    # validation_pool 40-49
    ("initiate_pool", MsgInitiatePool),
    ("stake", MsgStake),
    # salary 50-59
    ("claim_salary", MsgClaimSalary),
    # work 60-69
    ("request_work", MsgRequestWork),
    ("submit_evidence", MsgSubmitEvidence),
    ("verdict", MsgVerdict),
    # governance 70-79
    ("propose_param_change", MsgProposeParamChange),
    # producers 80-99
    ("register_consensus_key", MsgRegisterConsensusKey),
)


class CodecError(ValueError):
    """A message field value cannot be converted; the text names the field and the reason."""


class _Invalid(Exception):
    """A bad value; ``path`` grows (".to", "[2]") as it propagates, so paths cost nothing on success."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = ""

    def under(self, part: str) -> _Invalid:
        self.path = part + self.path
        return self


_FD = FieldDescriptor
_INT_RANGES: dict[int, tuple[int, int]] = {
    _FD.TYPE_UINT64: (0, (1 << 64) - 1),
    _FD.TYPE_UINT32: (0, (1 << 32) - 1),
    _FD.TYPE_INT64: (-(1 << 63), (1 << 63) - 1),
    _FD.TYPE_INT32: (-(1 << 31), (1 << 31) - 1),
}

# Converts one field value, raising _Invalid; None where the value passes unchanged.
_Conv = Callable[[Any], Any]


def _unwrap_tuple(tp: Any) -> Any | None:
    """``tuple[X, ...]`` -> X; anything else -> None."""
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
    return None


# bech32 decoding is ~60 µs in pure Python and recipients repeat: keep the recent ones.
_cached_from_bech32 = functools.lru_cache(maxsize=16384)(from_bech32)


def _address_from_wire(value: str) -> bytes:
    try:
        return _cached_from_bech32(value)
    except ValueError as exc:
        raise _Invalid(f"bad address {value!r}: {exc}") from None


def _address_to_wire(value: Any) -> str:
    if not isinstance(value, bytes) or len(value) != 20:
        raise _Invalid("an address must be 20 bytes")
    return to_bech32(value)


def _int_checker(lo: int, hi: int) -> _Conv:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(f"expected an integer, got {type(value).__name__}")
        if not lo <= value <= hi:
            raise _Invalid(f"{value} out of range [{lo}, {hi}]")
        return value

    return check


def _typed(tp: type) -> _Conv:
    def check(value: Any) -> Any:
        if type(value) is not tp:
            raise _Invalid(f"expected {tp.__name__}, got {type(value).__name__}")
        return value

    return check


def _each(convert: _Conv, items: Any) -> tuple[Any, ...]:
    out = []
    for i, item in enumerate(items):
        try:
            out.append(convert(item))
        except _Invalid as exc:
            raise exc.under(f"[{i}]") from None
    return tuple(out)


class _MessageCodec:
    """Converts one dataclass <-> one proto message type (nested codecs for message fields)."""

    def __init__(self, cls: type, desc: Descriptor) -> None:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} is not a dataclass")
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        proto_names = [f.name for f in desc.fields]
        if sorted(names) != sorted(proto_names):
            raise TypeError(
                f"{cls.__name__} fields {sorted(names)} != {desc.full_name} fields {sorted(proto_names)}"
            )
        self.cls = cls
        self.proto_cls: type[Message] = _proto_class(desc)
        # (name, from_wire, to_wire, repeated); message fields use the nested codec's converters
        self.fields: list[tuple[str, _Conv | None, _Conv, bool]] = []
        for name in names:
            fd = desc.fields_by_name[name]
            tp = hints[name]
            inner = _unwrap_tuple(tp)
            if fd.is_repeated != (inner is not None):
                raise TypeError(
                    f"{cls.__name__}.{name}: repeated proto field needs tuple[X, ...] and vice versa"
                )
            elem = inner if inner is not None else tp
            from_wire, to_wire = _field_converters(cls, name, elem, fd)
            self.fields.append((name, from_wire, to_wire, fd.is_repeated))

    def from_proto(self, pb: Message) -> Any:
        kwargs: dict[str, Any] = {}
        for name, from_wire, _, repeated in self.fields:
            raw = getattr(pb, name)
            try:
                if from_wire is None:
                    kwargs[name] = tuple(raw) if repeated else raw
                elif repeated:
                    kwargs[name] = _each(from_wire, raw)
                else:
                    kwargs[name] = from_wire(raw)
            except _Invalid as exc:
                raise exc.under("." + name) from None
        return self.cls(**kwargs)

    def to_proto(self, value: Any) -> Message:
        if type(value) is not self.cls:
            raise _Invalid(f"expected {self.cls.__name__}, got {type(value).__name__}")
        pb = self.proto_cls()
        for name, _, to_wire, repeated in self.fields:
            v = getattr(value, name)
            try:
                if not repeated:
                    converted = to_wire(v)
                    if isinstance(converted, Message):
                        getattr(pb, name).CopyFrom(converted)
                    else:
                        setattr(pb, name, converted)
                    continue
                if not isinstance(v, tuple | list):
                    raise _Invalid("expected a tuple")
                items = _each(to_wire, v)
                target = getattr(pb, name)
                for item in items:
                    if isinstance(item, Message):
                        target.add().CopyFrom(item)
                    else:
                        target.append(item)
            except _Invalid as exc:
                raise exc.under("." + name) from None
        return pb

    def decode(self, pb: Message, path: str) -> Any:
        """``from_proto`` with errors as :class:`CodecError` naming ``path`` + the field."""
        try:
            return self.from_proto(pb)
        except _Invalid as exc:
            raise CodecError(f"{path}{exc.path}: {exc.reason}") from None

    def encode(self, value: Any, path: str) -> Message:
        try:
            return self.to_proto(value)
        except _Invalid as exc:
            raise CodecError(f"{path}{exc.path}: {exc.reason}") from None


def _proto_class(desc: Descriptor) -> type[Message]:
    cls: type[Message] = message_factory.GetMessageClass(desc)
    return cls


def _field_converters(cls: type, name: str, elem: Any, fd: FieldDescriptor) -> tuple[_Conv | None, _Conv]:
    where = f"{cls.__name__}.{name}"
    if fd.type == _FD.TYPE_MESSAGE:
        if not (isinstance(elem, type) and dataclasses.is_dataclass(elem)):
            raise TypeError(f"{where}: a message field needs a dataclass type")
        nested = _MessageCodec(elem, fd.message_type)
        return nested.from_proto, nested.to_proto
    if elem is bytes and fd.type == _FD.TYPE_STRING:
        return _address_from_wire, _address_to_wire
    if elem is bytes and fd.type == _FD.TYPE_BYTES:
        return None, _typed(bytes)
    if elem is int and fd.type in _INT_RANGES:
        return None, _int_checker(*_INT_RANGES[fd.type])
    if elem is str and fd.type == _FD.TYPE_STRING:
        return None, _typed(str)
    if elem is bool and fd.type == _FD.TYPE_BOOL:
        return None, _typed(bool)
    if isinstance(elem, types.UnionType) or typing.get_origin(elem) is typing.Union:
        raise TypeError(f"{where}: optional fields are not supported on the wire")
    raise TypeError(f"{where}: no wire mapping for {elem!r} <-> proto type {fd.type}")


class MsgRegistry:
    """The oneof field name <-> dataclass map, with one codec per message."""

    def __init__(self) -> None:
        self._by_field: dict[str, _MessageCodec] = {}
        self._by_type: dict[type, str] = {}

    def register(self, field_name: str, cls: type) -> None:
        oneof_fields = tx_pb2.Msg.DESCRIPTOR.fields_by_name
        if field_name not in oneof_fields:
            raise TypeError(f"bpdao.v1.Msg has no field {field_name!r}")
        if field_name in self._by_field or cls in self._by_type:
            raise TypeError(f"{field_name!r} / {cls.__name__} registered twice")
        self._by_field[field_name] = _MessageCodec(cls, oneof_fields[field_name].message_type)
        self._by_type[cls] = field_name

    def field_name(self, cls: type) -> str:
        return self._by_type[cls]

    def message_types(self) -> tuple[type, ...]:
        return tuple(self._by_type)

    def is_registered(self, field_name: str) -> bool:
        return field_name in self._by_field

    def decode(self, msg: tx_pb2.Msg, path: str = "msg") -> Any:
        """A ``Msg`` -> the module dataclass. KeyError if the oneof is unset or unregistered."""
        field_name = msg.WhichOneof("sum")
        codec = self._by_field.get(field_name) if field_name is not None else None
        if codec is None:
            raise KeyError(field_name)
        try:
            return codec.from_proto(getattr(msg, field_name))
        except _Invalid as exc:  # the path text is built only for a bad message
            raise CodecError(f"{path}.{field_name}{exc.path}: {exc.reason}") from None

    def encode(self, value: Any, path: str = "msg") -> tx_pb2.Msg:
        """A module dataclass -> ``Msg``; CodecError for an unregistered type or a bad value."""
        field_name = self._by_type.get(type(value))
        if field_name is None:
            raise CodecError(f"{path}: {type(value).__name__} is not a registered message")
        inner = self._by_field[field_name].encode(value, f"{path}.{field_name}")
        msg = tx_pb2.Msg()
        getattr(msg, field_name).CopyFrom(inner)
        return msg


REGISTRY = MsgRegistry()
for _field_name, _cls in _MESSAGES:
    REGISTRY.register(_field_name, _cls)


def decode_msg(msg: tx_pb2.Msg, path: str = "msg") -> Any:
    return REGISTRY.decode(msg, path)


def encode_msg(value: Any, path: str = "msg") -> tx_pb2.Msg:
    return REGISTRY.encode(value, path)
