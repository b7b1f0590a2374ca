"""Nothing a client sends halts the app, and a tx that fails changes nothing but its fee and nonce.

Hypothesis builds txs of one to three messages of every registered type with arbitrary field values,
drawn from the proto descriptors: integers across their whole range with the small ids and the
bounds favoured, strings from the chain's addresses, kinds, module names, param keys and JSON values
or random text, random bytes, zero to three repeated elements. A funded REP holder signs each; it
goes through CheckTx and through FinalizeBlock of one real app (default_wiring) over a state with
posts, an open pool, availability stakes, a work request and a proposal. Every FinalizeBlock is at
the same height and never committed, so each example starts from that state.

- Neither call raises: an exception in FinalizeBlock halts every node alike (abci_app/server.py).
- FinalizeBlock answers one result per tx, CheckTx a code (0 or an error with a codespace).
- A tx whose messages fail leaves the app hash that a reference tx leaves, one that surely fails in
  its message (a send of more than the token supply) with the same signer, nonce and fee: the fee
  and nonce are all that changed. A tx refused before ante (codespace ``tx``) leaves the app hash
  of the empty block.

Queries get the same treatment: every module query path with arguments of any JSON type, plausible
ones or bytes that are not JSON answers with a value or a client error, never an internal error.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dao_chain import FUNDS, start_app
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from abci_app.app import Application
from abci_app.pb.bpdao.v1 import tx_pb2
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.queries import CODE_BAD_REQUEST
from abci_app.txcodec import SIGN_DOMAIN, encode_tx, sign_tx
from abci_app.wiring import default_wiring
from modules.availability.types import BLOCK_PRODUCTION, MsgStakeAvailability
from modules.bank.types import MsgSend
from modules.core.address import address_from_pubkey, to_bech32
from modules.forum.types import Author, MsgPost
from modules.governance.types import MsgProposeParamChange, ParamChange
from modules.validation_pool.types import MsgInitiatePool, MsgStake
from modules.work.types import MsgRequestWork

CHAIN = "bpdao-msg-fuzz"
SEEDS = [bytes([i + 1]) * 32 for i in range(3)]
ALICE, BOB, CAROL = (address_from_pubkey(bytes(SigningKey(s).verify_key)) for s in SEEDS)
FEE = 10
T0 = 1_700_000_000
FUZZ_HEIGHT = 3

_F = FieldDescriptor
_INT_RANGES = {
    _F.TYPE_UINT64: (0, 2**64 - 1),
    _F.TYPE_FIXED64: (0, 2**64 - 1),
    _F.TYPE_INT64: (-(2**63), 2**63 - 1),
    _F.TYPE_SINT64: (-(2**63), 2**63 - 1),
    _F.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    _F.TYPE_UINT32: (0, 2**32 - 1),
    _F.TYPE_FIXED32: (0, 2**32 - 1),
    _F.TYPE_INT32: (-(2**31), 2**31 - 1),
    _F.TYPE_SINT32: (-(2**31), 2**31 - 1),
    _F.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
}


def _param_words() -> list[str]:
    words = set()
    for module in default_wiring().modules:
        words.add(module.name)
        params_type = getattr(module, "params_type", None)
        if params_type is not None and dataclasses.is_dataclass(params_type):
            words.update(f.name for f in dataclasses.fields(params_type))
    return sorted(words)


_ADDRESSES = [to_bech32(a) for a in (ALICE, BOB, CAROL, bytes(20))]
_STRINGS = [
    BLOCK_PRODUCTION,
    "storage",
    "",
    *_param_words(),
    *("0", "1", "-1", "2", "100", "1e3", "1.5", "true", "null", "[]", '"x"', "{}", str(2**64)),
    *('{"den":3,"num":1}', '{"den":0,"num":1}', '{"den":1,"num":-1}', '{"num":1}'),
]


def _int(lo: int, hi: int) -> st.SearchStrategy[int]:
    favoured = sorted(
        {
            v
            for v in (0, 1, 2, 3, 5, 60, 1_000, FUNDS, 500_000, 1_000_000, lo, lo + 1, hi - 1, hi)
            if lo <= v <= hi
        }
    )
    return st.one_of(st.sampled_from(favoured), st.integers(lo, hi))


def _scalar(field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if field.type == _F.TYPE_MESSAGE:
        return _message(field.message_type, depth + 1)
    if field.type in _INT_RANGES:
        return _int(*_INT_RANGES[field.type])
    if field.type == _F.TYPE_BOOL:
        return st.booleans()
    if field.type == _F.TYPE_STRING:
        return st.one_of(st.sampled_from(_ADDRESSES), st.sampled_from(_STRINGS), st.text(max_size=40))
    if field.type == _F.TYPE_BYTES:
        return st.one_of(st.binary(max_size=70), st.sampled_from([bytes(32), b"\x07" * 32, ALICE, bytes(64)]))
    raise AssertionError(f"no strategy for {field.full_name} (type {field.type})")


def _message(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[Message]:
    cls: Callable[..., Message] = message_factory.GetMessageClass(descriptor)
    values: dict[str, st.SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        if depth > 2 and field.type == _F.TYPE_MESSAGE:
            continue
        value = _scalar(field, depth)
        values[field.name] = st.lists(value, max_size=3) if field.is_repeated else value
    every_field = st.fixed_dictionaries(values)
    some_fields = st.fixed_dictionaries({}, optional=values)  # an absent field reads as its zero value
    return st.one_of(every_field, some_fields).map(lambda kwargs: cls(**kwargs))


_ONEOF = tx_pb2.Msg.DESCRIPTOR.oneofs_by_name["sum"].fields
_MSG = st.one_of(
    [_message(f.message_type).map(lambda inner, name=f.name: tx_pb2.Msg(**{name: inner})) for f in _ONEOF]
)


def _signed(seed: bytes, msgs: list[tx_pb2.Msg], nonce: int) -> bytes:
    body = tx_pb2.TxBody(msgs=msgs, chain_id=CHAIN, nonce=nonce, fee=FEE).SerializeToString(
        deterministic=True
    )
    key = SigningKey(seed)
    return encode_tx(body, bytes(key.verify_key), key.sign(SIGN_DOMAIN + body).signature)


def _block(app: Application, height: int, txs: list[bytes]) -> abci.ResponseFinalizeBlock:
    return app.finalize_block(
        abci.RequestFinalizeBlock(
            height=height,
            time=Timestamp(seconds=T0 + 10 * height),
            txs=txs,
            hash=bytes([height]) * 32,
            proposer_address=b"\x01" * 20,
        )
    )


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Application]:
    """Two committed blocks: posts, a pool with stakes, availability stakes, a work request, a
    governance proposal; every setup tx must succeed."""
    path: Path = tmp_path_factory.mktemp("msg-fuzz")
    a = start_app(
        path, CHAIN, Timestamp(seconds=T0), rep=[(ALICE, 3_000), (BOB, 2_000)], accounts=(ALICE, BOB, CAROL)
    )

    def tx(who: int, nonce: int, msg: Any) -> bytes:
        return sign_tx(SEEDS[who], [msg], chain_id=CHAIN, nonce=nonce, fee=FEE)

    first = [
        tx(0, 0, MsgPost(b"\x01" * 32, (Author(ALICE, 1_000_000),))),
        tx(1, 0, MsgPost(b"\x02" * 32, (Author(BOB, 1_000_000),))),
        tx(0, 1, MsgStakeAvailability(BLOCK_PRODUCTION, 500, 3_600)),
        tx(1, 1, MsgStakeAvailability(BLOCK_PRODUCTION, 400, 3_600)),
    ]
    second = [
        tx(0, 2, MsgInitiatePool(1, 100, 600)),
        tx(1, 2, MsgStake(1, 50, True)),
        tx(2, 0, MsgRequestWork(BLOCK_PRODUCTION, 200, b"\x03" * 32, 600)),
        tx(
            1,
            3,
            MsgProposeParamChange(2, (ParamChange("validation_pool", "duration_default_s", "120"),), 100),
        ),
    ]
    for height, txs in ((1, first), (2, second)):
        res = _block(a, height, txs)
        assert [(r.codespace, r.code, r.log) for r in res.tx_results] == [("", 0, "")] * len(txs)
        a.commit(abci.RequestCommit())
    yield a
    a.close()


NONCES = {0: 3, 1: 4, 2: 1}  # each signer's next nonce after the setup blocks


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # type: ignore[untyped-decorator]
@given(who=st.sampled_from([0, 1, 2]), msgs=st.lists(_MSG, min_size=1, max_size=3))  # type: ignore[untyped-decorator]
def test_signed_messages_never_halt_and_failures_change_only_fee_and_nonce(
    app: Application, who: int, msgs: list[tx_pb2.Msg]
) -> None:
    raw = _signed(SEEDS[who], msgs, NONCES[who])

    app._reset_check_state()  # as Commit does: each example checks against the committed state
    checked = app.check_tx(abci.RequestCheckTx(tx=raw, type=abci.NEW))
    assert checked.code == 0 or checked.codespace, checked

    res = _block(app, FUZZ_HEIGHT, [raw])
    assert len(res.tx_results) == 1
    result = res.tx_results[0]
    assert result.code == 0 or (result.codespace and result.log), result
    if result.code == 0:
        return
    if result.codespace == "tx":
        reference: list[bytes] = []
    else:
        too_much = MsgSend(to=BOB if who != 1 else ALICE, amount=2**64 - 1)
        reference = [sign_tx(SEEDS[who], [too_much], chain_id=CHAIN, nonce=NONCES[who], fee=FEE)]
    expected = _block(app, FUZZ_HEIGHT, reference)
    assert reference == [] or expected.tx_results[0].codespace == "bank"
    assert res.app_hash == expected.app_hash, (result.codespace, result.code, result.log)


_QUERY_PATHS = sorted(default_wiring().queries)
# Argument names the queries read; some are an address in one query and a number in another.
_ARG_NAMES = (
    *("address", "after", "author", "client", "delegate", "epoch", "expert", "from", "height", "id"),
    *("kind", "limit", "member", "owner", "pool_id", "post_id", "start_after", "status", "to"),
)
_PLAUSIBLE_VALUE = st.one_of(
    st.sampled_from(_ADDRESSES), st.integers(0, 4), st.sampled_from([BLOCK_PRODUCTION])
)
# Every argument name with a plausible value (a query ignores the arguments it does not take).
_PLAUSIBLE_ARGS = st.fixed_dictionaries({name: _PLAUSIBLE_VALUE for name in _ARG_NAMES})
_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        _int(-(2**70), 2**70),
        st.sampled_from(_ADDRESSES),
        st.sampled_from(_STRINGS),
        st.text(max_size=20),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # type: ignore[untyped-decorator]
@given(
    path=st.sampled_from(_QUERY_PATHS),
    args=st.one_of(
        st.dictionaries(st.sampled_from(_ARG_NAMES), _JSON, max_size=4),
        _PLAUSIBLE_ARGS,
    ),
    junk=st.one_of(st.none(), st.none(), st.none(), st.binary(max_size=20)),
)  # type: ignore[untyped-decorator]
def test_queries_answer_every_argument_with_a_value_or_a_client_error(
    app: Application, path: str, args: dict[str, Any], junk: bytes | None
) -> None:
    """Every module query, with arguments of any JSON type (or bytes that are not JSON), answers
    with a value or a ``query`` error that blames the request (code 1-3), never the internal-error
    code a handler's bug gets."""
    data = json.dumps(args).encode() if junk is None else junk
    res = app.query(abci.RequestQuery(path=path, data=data))
    assert res.code in (0, CODE_BAD_REQUEST), (path, args, res.log)
    if res.code == 0:
        json.loads(res.value)
