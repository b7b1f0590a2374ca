"""Tx envelope: round trip, every decode error, and the signature rules (with vectors for both libraries)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.signing import SigningKey

from abci_app import txcodec
from abci_app.pb.bpdao.v1 import bank_pb2, tx_pb2
from abci_app.txcodec import (
    SIGN_DOMAIN,
    DecodedTx,
    TxDecodeError,
    decode_tx,
    encode_body,
    encode_tx,
    ensure_chain_id,
    sign_tx,
    verify_signature,
)
from modules.bank.types import MsgSend
from modules.core.address import address_from_pubkey, to_bech32

SEED = bytes(range(32))
CHAIN = "bpdao-test"
MAX = 65536
BOB = bytes([7]) * 20
L = 2**252 + 27742317777372353535851937790883648493  # order of the ed25519 base point


def _signed(msgs: Sequence[object] | None = None, **kw: object) -> bytes:
    args: dict[str, object] = {"chain_id": CHAIN, "nonce": 3, "fee": 5, "memo": "hi"}
    args.update(kw)
    return sign_tx(SEED, list(msgs or [MsgSend(to=BOB, amount=10)]), **args)  # type: ignore[arg-type]


def _raw(body: tx_pb2.TxBody, pub_key: bytes = bytes(32), signature: bytes = bytes(64)) -> bytes:
    return encode_tx(body.SerializeToString(deterministic=True), pub_key, signature)


def _send_body(to: str, amount: int = 1) -> tx_pb2.TxBody:
    body = tx_pb2.TxBody(chain_id=CHAIN, nonce=0, fee=1)
    body.msgs.add().send.CopyFrom(bank_pb2.MsgSend(to=to, amount=amount))
    return body


def _code(exc: pytest.ExceptionInfo[TxDecodeError]) -> int:
    assert exc.value.codespace == "tx"
    return exc.value.code


# --- round trip -------------------------------------------------------------------------------


def test_round_trip_recovers_every_field() -> None:
    msgs = [MsgSend(to=BOB, amount=10), MsgSend(to=bytes(20), amount=2**64 - 1)]
    raw = _signed(msgs, nonce=9, fee=77, memo="héllo")
    tx = decode_tx(raw, MAX)
    key = SigningKey(SEED)
    assert tx.msgs == tuple(msgs)
    assert (tx.chain_id, tx.nonce, tx.fee, tx.memo) == (CHAIN, 9, 77, "héllo")
    assert tx.pub_key == bytes(key.verify_key)
    assert tx.signer == address_from_pubkey(tx.pub_key)
    assert tx.size == len(raw)
    assert tx.body == encode_body(msgs, chain_id=CHAIN, nonce=9, fee=77, memo="héllo")
    assert verify_signature(tx)


def test_signing_is_deterministic() -> None:
    assert _signed() == _signed()


# --- decode errors ---------------------------------------------------------------------------


def test_too_large_is_checked_before_parsing() -> None:
    raw = _signed()
    assert decode_tx(raw, len(raw)).size == len(raw)
    with pytest.raises(TxDecodeError) as exc:
        decode_tx(raw, len(raw) - 1)
    assert _code(exc) == txcodec.ERR_TOO_LARGE.code


@pytest.mark.parametrize("raw", [b"\xff\xff\xff", b"\x0a\x05ab", b"garbage that is not protobuf \x00\x01"])
def test_undecodable_tx(raw: bytes) -> None:
    with pytest.raises(TxDecodeError) as exc:
        decode_tx(raw, MAX)
    assert _code(exc) == txcodec.ERR_UNDECODABLE.code


def test_undecodable_body() -> None:
    with pytest.raises(TxDecodeError) as exc:
        decode_tx(encode_tx(b"\xff\xff", bytes(32), bytes(64)), MAX)
    assert _code(exc) == txcodec.ERR_UNDECODABLE.code


def test_unknown_outer_field_is_rejected_so_the_hash_is_unique() -> None:
    raw = _signed()
    extended = raw + b"\x20\x01"  # field 4 (varint) = 1: unknown to Tx
    with pytest.raises(TxDecodeError) as exc:
        decode_tx(extended, MAX)
    assert _code(exc) == txcodec.ERR_UNDECODABLE.code


def test_out_of_order_fields_are_rejected() -> None:
    raw = _signed()
    tx = tx_pb2.Tx.FromString(raw)
    reordered = (
        tx_pb2.Tx(signature=tx.signature).SerializeToString()
        + tx_pb2.Tx(body=tx.body).SerializeToString()
        + tx_pb2.Tx(pub_key=tx.pub_key).SerializeToString()
    )
    assert tx_pb2.Tx.FromString(reordered) == tx  # protobuf itself would accept it
    with pytest.raises(TxDecodeError) as exc:
        decode_tx(reordered, MAX)
    assert _code(exc) == txcodec.ERR_UNDECODABLE.code


def test_no_messages() -> None:
    with pytest.raises(TxDecodeError) as exc:
        decode_tx(_raw(tx_pb2.TxBody(chain_id=CHAIN, fee=1)), MAX)
    assert _code(exc) == txcodec.ERR_NO_MSGS.code


def test_empty_msg_is_unknown() -> None:
    body = tx_pb2.TxBody(chain_id=CHAIN, fee=1)
    body.msgs.add()
    with pytest.raises(TxDecodeError) as exc:
        decode_tx(_raw(body), MAX)
    assert _code(exc) == txcodec.ERR_UNKNOWN_MSG.code
    assert "msgs[0]" in exc.value.message


def test_undeclared_msg_field_is_refused() -> None:
    # A Msg with oneof field number 99 (declared by no module): protobuf would keep it as an
    # unknown field; the canonical check refuses it.
    msg_with_unknown = b"\x9a\x06\x00"  # field 99, length-delimited, empty
    body_bytes = (
        tx_pb2.TxBody(chain_id=CHAIN, fee=1).SerializeToString()
        + b"\x0a"
        + bytes([len(msg_with_unknown)])
        + msg_with_unknown
    )
    with pytest.raises(TxDecodeError) as exc:
        decode_tx(encode_tx(body_bytes, bytes(32), bytes(64)), MAX)
    assert _code(exc) == txcodec.ERR_UNDECODABLE.code


def test_unknown_field_inside_a_message_is_refused() -> None:
    send = bank_pb2.MsgSend(to=to_bech32(BOB), amount=1).SerializeToString() + b"\x18\x05"  # field 3
    msg = b"\x0a" + bytes([len(send)]) + send
    body_bytes = tx_pb2.TxBody(chain_id=CHAIN, fee=1).SerializeToString() + b"\x0a" + bytes([len(msg)]) + msg
    assert tx_pb2.TxBody.FromString(body_bytes).msgs[0].send.amount == 1
    with pytest.raises(TxDecodeError) as exc:
        decode_tx(encode_tx(body_bytes, bytes(32), bytes(64)), MAX)
    assert _code(exc) == txcodec.ERR_UNDECODABLE.code


def test_registered_type_without_registry_entry_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    from abci_app import codec

    raw = _raw(_send_body(to_bech32(BOB)))
    monkeypatch.setattr(codec.REGISTRY, "_by_field", {})
    with pytest.raises(TxDecodeError) as exc:
        decode_tx(raw, MAX)
    assert _code(exc) == txcodec.ERR_UNKNOWN_MSG.code
    assert "send" in exc.value.message


@pytest.mark.parametrize(
    ("to", "reason"),
    [
        ("", "must start with bpdao1"),
        ("cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a", "must start with bpdao1"),
        (to_bech32(BOB)[:-1] + ("q" if to_bech32(BOB)[-1] != "q" else "p"), "checksum"),
        (to_bech32(bytes(21)), "20 bytes"),
        ("bpdao1bbbbb", "character"),
    ],
)
def test_bad_address_is_a_bad_field(to: str, reason: str) -> None:
    with pytest.raises(TxDecodeError) as exc:
        decode_tx(_raw(_send_body(to)), MAX)
    assert _code(exc) == txcodec.ERR_BAD_FIELD.code
    assert "msgs[0].send.to" in exc.value.message
    assert reason in exc.value.message


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_bad_public_key_length(length: int) -> None:
    with pytest.raises(TxDecodeError) as exc:
        decode_tx(_raw(_send_body(to_bech32(BOB)), pub_key=bytes(length)), MAX)
    assert _code(exc) == txcodec.ERR_BAD_PUBKEY.code


def test_wrong_chain_id() -> None:
    tx = decode_tx(_signed(chain_id="other-chain"), MAX)
    ensure_chain_id(decode_tx(_signed(), MAX), CHAIN)
    with pytest.raises(TxDecodeError) as exc:
        ensure_chain_id(tx, CHAIN)
    assert _code(exc) == txcodec.ERR_WRONG_CHAIN_ID.code


def test_error_codes_are_unique_and_in_codespace_tx() -> None:
    codes = [e.code for e in txcodec.TX_ERRORS]
    assert len(set(codes)) == len(codes) == 8
    assert {e.codespace for e in txcodec.TX_ERRORS} == {"tx"}


# --- signatures --------------------------------------------------------------------------------


def _with(tx: DecodedTx, **changes: bytes) -> DecodedTx:
    return tx._replace(**changes)


IDENTITY_KEY = b"\x01" + bytes(31)
FORGED_SIG = b"\x01" + bytes(31) + bytes(32)  # R = identity point, S = 0


@pytest.mark.parametrize("message", [b"", b"anything at all", SIGN_DOMAIN + b"pay me"])
def test_forged_identity_key_signature_cryptography_accepts_pynacl_rejects(message: bytes) -> None:
    # The vector that decides the library: OpenSSL accepts it for every message ...
    Ed25519PublicKey.from_public_bytes(IDENTITY_KEY).verify(FORGED_SIG, message)
    # ... libsodium does not.
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    with pytest.raises(BadSignatureError):
        VerifyKey(IDENTITY_KEY).verify(message, FORGED_SIG)


def test_verify_signature_rejects_the_forged_identity_signature() -> None:
    tx = decode_tx(_raw(_send_body(to_bech32(BOB)), IDENTITY_KEY, FORGED_SIG), MAX)
    assert not verify_signature(tx)


# Encodings of the small-order points of edwards25519 (orders 1, 2, 4, 8), incl. non-canonical ones.
SMALL_ORDER_KEYS = [
    bytes.fromhex("0100000000000000000000000000000000000000000000000000000000000000"),
    bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    bytes.fromhex("0000000000000000000000000000000000000000000000000000000000000000"),
    bytes.fromhex("0000000000000000000000000000000000000000000000000000000000000080"),
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
]


@pytest.mark.parametrize("pub_key", SMALL_ORDER_KEYS)
def test_small_order_keys_are_rejected(pub_key: bytes) -> None:
    base = decode_tx(_raw(_send_body(to_bech32(BOB)), pub_key, FORGED_SIG), MAX)
    # R = identity, S = 0 satisfies [S]B = R + [k]A whenever [k]A is the identity, which for a
    # small-order A happens for a large share of messages; try several bodies.
    for nonce in range(8):
        body = _send_body(to_bech32(BOB))
        body.nonce = nonce
        tx = _with(base, body=body.SerializeToString(deterministic=True))
        assert not verify_signature(tx)


def test_non_canonical_s_is_rejected() -> None:
    tx = decode_tx(_signed(), MAX)
    assert verify_signature(tx)
    r, s = tx.signature[:32], int.from_bytes(tx.signature[32:], "little")
    malleated = r + (s + L).to_bytes(32, "little")
    assert not verify_signature(_with(tx, signature=malleated))


def test_signature_for_another_chain_is_rejected() -> None:
    # Signed for another chain, relabelled for ours: the chain id is inside the signed body.
    theirs = decode_tx(_signed(chain_id="other-chain"), MAX)
    ours_body = encode_body(
        list(theirs.msgs), chain_id=CHAIN, nonce=theirs.nonce, fee=theirs.fee, memo=theirs.memo
    )
    relabelled = decode_tx(encode_tx(ours_body, theirs.pub_key, theirs.signature), MAX)
    assert relabelled.chain_id == CHAIN
    assert not verify_signature(relabelled)


@pytest.mark.parametrize("field", ["fee", "nonce", "memo", "amount"])
def test_signature_over_a_modified_body_is_rejected(field: str) -> None:
    tx = decode_tx(_signed(), MAX)
    kw: dict[str, object] = {"chain_id": CHAIN, "nonce": tx.nonce, "fee": tx.fee, "memo": tx.memo}
    msgs = list(tx.msgs)
    if field == "amount":
        msgs = [MsgSend(to=BOB, amount=11)]
    elif field == "memo":
        kw["memo"] = "ho"
    else:
        kw[field] = int(kw[field]) + 1  # type: ignore[call-overload]
    body = encode_body(msgs, **kw)  # type: ignore[arg-type]
    assert not verify_signature(_with(tx, body=body))


def test_signature_without_domain_is_rejected() -> None:
    tx = decode_tx(_signed(), MAX)
    undomained = SigningKey(SEED).sign(tx.body).signature
    assert not verify_signature(_with(tx, signature=undomained))


@pytest.mark.parametrize("length", [0, 63, 65])
def test_bad_signature_length_is_false_not_an_exception(length: int) -> None:
    tx = decode_tx(_signed(), MAX)
    assert not verify_signature(_with(tx, signature=bytes(length)))


def test_other_signers_key_is_rejected() -> None:
    tx = decode_tx(_signed(), MAX)
    other = bytes(SigningKey(bytes(32)).verify_key)
    assert not verify_signature(_with(tx, pub_key=other, signer=address_from_pubkey(other)))
