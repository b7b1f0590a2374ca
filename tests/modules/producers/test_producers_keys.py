"""Consensus-key validity, possession proofs and registration rules."""

from __future__ import annotations

import nacl.signing
import pytest

from abci_app import ed25519_zip215 as curve
from modules.core.errors import TxError
from modules.producers import errors as E
from modules.producers.keys import (
    SMALL_ORDER_ENCODINGS,
    pub_key_problem,
    sign_possession,
    validator_address,
    verify_possession,
)
from modules.producers.types import Params
from tests.modules.producers.por_fakes import CHAIN_ID, ctx_at, make_node, make_world


def test_the_eight_small_order_encodings_really_are_small_order() -> None:
    assert len(SMALL_ORDER_ENCODINGS) == 8
    for enc in SMALL_ORDER_ENCODINGS:
        point = curve.decode_point(enc)
        assert point is not None, enc.hex()
        assert curve._is_identity(curve._mul(8, point)), enc.hex()


@pytest.mark.parametrize("enc", sorted(SMALL_ORDER_ENCODINGS))
def test_small_order_keys_are_refused(enc: bytes) -> None:
    assert pub_key_problem(enc) is not None


def test_key_shape_and_curve_checks() -> None:
    good = bytes(nacl.signing.SigningKey(b"\x07" * 32).verify_key)
    assert pub_key_problem(good) is None
    assert pub_key_problem(good[:31]) is not None
    assert pub_key_problem(good + b"\x00") is not None
    # y = 2: not on the curve (no x with x^2 = (y^2 - 1) / (d y^2 + 1))
    not_on_curve = (2).to_bytes(32, "little")
    assert curve.decode_point(not_on_curve) is None
    assert pub_key_problem(not_on_curve) is not None
    # y = p + 1: a non-canonical encoding of the identity's y coordinate
    non_canonical = (2**255 - 19 + 1).to_bytes(32, "little")
    assert pub_key_problem(non_canonical) is not None


def test_validator_address_is_sha256_prefix() -> None:
    import hashlib

    key = bytes(range(32))
    assert validator_address(key) == hashlib.sha256(key).digest()[:20]


def test_possession_binds_key_member_and_chain() -> None:
    node = make_node(3)
    seed = bytes(node.signing_key)
    sig = sign_possession(seed, CHAIN_ID, node.member)
    assert verify_possession(node.pub_key, CHAIN_ID, node.member, sig)
    assert not verify_possession(node.pub_key, "other-chain", node.member, sig)
    assert not verify_possession(node.pub_key, CHAIN_ID, bytes(20), sig)
    assert not verify_possession(make_node(4).pub_key, CHAIN_ID, node.member, sig)
    assert not verify_possession(node.pub_key, CHAIN_ID, node.member, sig[:63])


def _code(exc: pytest.ExceptionInfo[TxError]) -> tuple[str, int]:
    return exc.value.codespace, exc.value.code


def test_registration_rules() -> None:
    w = make_world(Params(epoch_length=10), n_nodes=4)
    a, b, c = w.nodes[1], w.nodes[2], w.nodes[3]
    ctx = ctx_at(w.store, 2)
    w.register(a)
    key = w.producers.key_of(ctx, a.member)
    assert key is not None and key.pub_key == a.pub_key
    assert w.producers.pub_key_of_validator(ctx, validator_address(a.pub_key)) == a.pub_key

    # one key per member
    with pytest.raises(TxError) as exc:
        w.register(type(a)(a.member, b.signing_key))
    assert _code(exc) == (E.CODESPACE, E.ERR_MEMBER_HAS_KEY.code)
    # one member per key (b's member tries a's key, with a valid possession proof for itself)
    sig = sign_possession(bytes(a.signing_key), CHAIN_ID, b.member)
    with pytest.raises(TxError) as exc:
        w.producers.register_key(ctx, b.member, a.pub_key, sig)
    assert _code(exc) == (E.CODESPACE, E.ERR_KEY_TAKEN.code)
    # a proof made for another member does not let c squat b's key
    sig_for_b = sign_possession(bytes(b.signing_key), CHAIN_ID, b.member)
    with pytest.raises(TxError) as exc:
        w.producers.register_key(ctx, c.member, b.pub_key, sig_for_b)
    assert _code(exc) == (E.CODESPACE, E.ERR_BAD_POSSESSION.code)
    # small-order key
    with pytest.raises(TxError) as exc:
        w.producers.register_key(ctx, c.member, sorted(SMALL_ORDER_ENCODINGS)[0], bytes(64))
    assert _code(exc) == (E.CODESPACE, E.ERR_INVALID_KEY.code)
    # founders' keys are registered at genesis
    founder = w.nodes[0]
    assert w.producers.key_of(ctx, founder.member) is not None
