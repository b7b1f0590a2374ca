"""Vote-extension sign bytes (against CometBFT v0.40.0's own output), signature verdicts, the
commit-info tx, and the checks that make ProcessProposal REJECT."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import nacl.exceptions
import nacl.signing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abci_app import ed25519_zip215 as curve
from abci_app.pb.tendermint.abci import types_pb2 as abci_pb
from abci_app.pb.tendermint.types import canonical_pb2
from abci_app.txcodec import TxDecodeError, decode_tx
from abci_app.vote_extensions import (
    INJECTION_MAGIC,
    CommitInfo,
    CommitRejected,
    ExtendedCommit,
    ExtendedVote,
    check_extended_commit,
    decode_injection,
    encode_injection,
    extended_commit_from_pb,
    is_injection,
    verify_extension_signature,
    vote_extension_sign_bytes,
)
from modules.producers.keys import validator_address
from modules.producers.types import FLAG_ABSENT, FLAG_COMMIT, FLAG_NIL, VoteInfo

# Printed by scripts/vectors/cometbft_vote_extension_vectors.go, i.e. by CometBFT v0.40.0's
# types.VoteExtensionSignBytes and Go's crypto/ed25519 with key seed 00 01 … 1f.
GO_PUB = bytes.fromhex("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8")
GO_VECTORS = [
    (
        "bpdao-test", 7, 0, bytes([1, 2, 3]),
        "1a0a03010203110700000000000000220a627064616f2d74657374",
        "1b09098108fd31941219a58b4f7f786495cd36e06a87d363f5a4c426c168bae8"
        "95479ad150d60713f7c06aa95eba06bdc166e60019bd360b317f331dc663bc09",
    ),
    (
        "bpdao-test", 1, 2, b"",
        "1e110100000000000000190200000000000000220a627064616f2d74657374",
        "9e5eb9e3a3bf4b482ca1a3b69d69c33bac748c6d81c4cbdfebb1ee4e2f22f5b9"
        "d1c273ffc59623549aea309053f58bb021025d62376a028d2da14988df9d0b0f",
    ),
    (
        "", 0, 0, b"",
        "00",
        "d45bd436eca8cf5deec21c0da72226f03aa29cabccce352c6740fba7c61267c8"
        "057328c52ef100e5bc02356fe2d4c53a1424116ce6a1cf77b4480fe3a905f90e",
    ),
    (
        "chain-XYZ", 1 << 40, 1, bytes(200),
        "e8010ac801" + "00" * 200 + "110000000000010000" + "190100000000000000" + "2209" + b"chain-XYZ".hex(),
        "474b6893a4c1aa63ab84a77e83f3cb81c097fb1f65200cb3bfdd9ca0d13f02e6"
        "b77ce5850a33ecac80a501a225871f05ac1f9ce7bc97e6c0c36878da349be006",
    ),
]
# A signature CometBFT accepts and libsodium refuses: R = rB + T with T of order 2 passes the
# cofactored ZIP-215 equation only. CometBFT's verdict was checked with the same Go program
# ("cometbft ed25519 VerifySignature: true"); it signs GO_VECTORS[0]'s message with GO_PUB's key.
ZIP215_ONLY_SIG = bytes.fromhex(
    "d600527f9723f2166ca2c99c90c52e4a21921cbec4edc771bac4fa0d5b3e2c24"
    "248b9d06eea97ecfa57b349a164ab002a9f653b94065492e2ddfda463f92fa09"
)

CHAIN = "por-chain"


@pytest.mark.parametrize(("chain", "height", "round_", "ext", "expected", "go_sig"), GO_VECTORS)
def test_sign_bytes_equal_cometbft(
    chain: str, height: int, round_: int, ext: bytes, expected: str, go_sig: str
) -> None:
    sign_bytes = vote_extension_sign_bytes(chain, height, round_, ext)
    assert sign_bytes.hex() == expected
    key = nacl.signing.SigningKey(bytes(range(32)))
    assert bytes(key.verify_key) == GO_PUB
    assert key.sign(sign_bytes).signature.hex() == go_sig  # ed25519 is deterministic
    assert verify_extension_signature(GO_PUB, sign_bytes, bytes.fromhex(go_sig))


def _uvarint(n: int) -> bytes:
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


@settings(max_examples=300, deadline=None)  # type: ignore[untyped-decorator]
@given(  # type: ignore[untyped-decorator]
    chain=st.text(max_size=60),
    height=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    round_=st.integers(min_value=-(2**31), max_value=2**31 - 1),
    ext=st.binary(max_size=300),
)
def test_sign_bytes_equal_length_delimited_canonical_proto(
    chain: str, height: int, round_: int, ext: bytes
) -> None:
    msg = canonical_pb2.CanonicalVoteExtension(extension=ext, height=height, round=round_, chain_id=chain)
    body = msg.SerializeToString(deterministic=True)
    assert vote_extension_sign_bytes(chain, height, round_, ext) == _uvarint(len(body)) + body


def test_signature_verdicts_are_cometbfts() -> None:
    _, _, _, _, expected, go_sig = GO_VECTORS[0]
    message = bytes.fromhex(expected)
    # CometBFT accepts it, libsodium alone would not: the verdict follows CometBFT
    with pytest.raises(nacl.exceptions.BadSignatureError):
        nacl.signing.VerifyKey(GO_PUB).verify(message, ZIP215_ONLY_SIG)
    assert verify_extension_signature(GO_PUB, message, ZIP215_ONLY_SIG)
    assert not verify_extension_signature(GO_PUB, message + b"x", ZIP215_ONLY_SIG)
    assert curve.verify(GO_PUB, message, bytes.fromhex(go_sig))
    assert not verify_extension_signature(GO_PUB, message, bytes(64))
    assert not verify_extension_signature(GO_PUB, message + b"x", bytes.fromhex(go_sig))
    assert not verify_extension_signature(GO_PUB, message, bytes.fromhex(go_sig)[:63])
    # S + L (non-canonical S) is refused by both rules
    sig = bytes.fromhex(go_sig)
    s_plus_l = (int.from_bytes(sig[32:], "little") + curve._L).to_bytes(32, "little")
    assert not verify_extension_signature(GO_PUB, message, sig[:32] + s_plus_l)


def test_zip215_fallback_accepts_what_it_must_and_nothing_else() -> None:
    key = nacl.signing.SigningKey(b"\x05" * 32)
    pub = bytes(key.verify_key)
    for i in range(5):
        msg = hashlib.sha256(bytes([i])).digest()
        sig = key.sign(msg).signature
        assert curve.verify(pub, msg, sig)
        assert not curve.verify(pub, msg + b"!", sig)
        s = int.from_bytes(sig[32:], "little") + curve._L  # non-canonical S: refused by ZIP-215 too
        assert not curve.verify(pub, msg, sig[:32] + s.to_bytes(32, "little"))


# --- ExtendedCommitInfo checks -----------------------------------------------------------------
KEYS = [nacl.signing.SigningKey(bytes([i + 40]) * 32) for i in range(4)]
PUBS = {validator_address(bytes(k.verify_key)): bytes(k.verify_key) for k in KEYS}
PUB_SIGNERS = {validator_address(bytes(k.verify_key)): k for k in KEYS}


def _commit(
    height: int = 9,
    round_: int = 0,
    flags: tuple[int, ...] = (FLAG_COMMIT,) * 4,
    powers: tuple[int, ...] = (10, 10, 10, 10),
    chain: str = CHAIN,
) -> tuple[ExtendedCommit, CommitInfo]:
    votes = []
    for key, flag, power in zip(KEYS, flags, powers, strict=True):
        addr = validator_address(bytes(key.verify_key))
        if flag == FLAG_COMMIT:
            ext = b"\x01" + addr + bytes(12)
            sig = key.sign(vote_extension_sign_bytes(chain, height, round_, ext)).signature
        else:
            ext = sig = b""
        votes.append(ExtendedVote(addr, power, flag, ext, sig))
    ec = ExtendedCommit(round_, tuple(votes))
    info = CommitInfo(round_, tuple(VoteInfo(v.validator_address, v.power, v.block_id_flag) for v in votes))
    return ec, info


def _check(ec: ExtendedCommit, info: CommitInfo, height: int = 9, chain: str = CHAIN) -> int:
    return check_extended_commit(ec, info, chain, height, PUBS.get).counted_power


def _with_vote(ec: ExtendedCommit, i: int, **changes: object) -> ExtendedCommit:
    votes = list(ec.votes)
    votes[i] = replace(votes[i], **changes)  # type: ignore[arg-type]
    return replace(ec, votes=tuple(votes))


def test_a_sound_commit_counts_every_signed_extension() -> None:
    ec, info = _commit()
    assert _check(ec, info) == 40
    ec, info = _commit(flags=(FLAG_COMMIT, FLAG_COMMIT, FLAG_COMMIT, FLAG_ABSENT))
    assert _check(ec, info) == 30


def test_forged_signature_rejects() -> None:
    ec, info = _commit()
    other = KEYS[0].sign(vote_extension_sign_bytes(CHAIN, 9, 0, ec.votes[1].extension)).signature
    with pytest.raises(CommitRejected, match="forged"):
        _check(_with_vote(ec, 1, signature=other), info)
    with pytest.raises(CommitRejected, match="forged"):
        _check(_with_vote(ec, 1, extension=b"\x02" + bytes(32)), info)  # extension swapped


def test_missing_extension_signature_rejects() -> None:
    ec, info = _commit()
    with pytest.raises(CommitRejected, match="missing"):
        _check(_with_vote(ec, 2, signature=b""), info)


def test_too_little_voting_power_rejects() -> None:
    ec, info = _commit(flags=(FLAG_COMMIT, FLAG_COMMIT, FLAG_ABSENT, FLAG_NIL))
    with pytest.raises(CommitRejected, match="2/3"):
        _check(ec, info)
    # exactly 2/3 is not enough (CometBFT needs more than 2/3); one unit more is
    ec, info = _commit(flags=(FLAG_COMMIT, FLAG_COMMIT, FLAG_ABSENT, FLAG_ABSENT), powers=(20, 20, 10, 10))
    with pytest.raises(CommitRejected, match="2/3"):
        _check(ec, info)
    ec, info = _commit(flags=(FLAG_COMMIT, FLAG_COMMIT, FLAG_ABSENT, FLAG_ABSENT), powers=(21, 20, 10, 10))
    assert _check(ec, info) == 41


@pytest.mark.parametrize(
    "signed", [{"height": 8}, {"round_": 1}, {"chain": "other-chain"}], ids=["height", "round", "chain_id"]
)
def test_extensions_signed_for_another_height_round_or_chain_reject(signed: dict[str, object]) -> None:
    ec, _ = _commit(**signed)  # type: ignore[arg-type]
    _, info = _commit()
    ec = replace(ec, round=0)  # make the round match the block's last commit; signatures stay
    with pytest.raises(CommitRejected):
        _check(ec, info)


def test_the_injected_commit_must_be_the_blocks_last_commit() -> None:
    ec, info = _commit()
    with pytest.raises(CommitRejected, match="round"):
        _check(replace(ec, round=1), info)
    with pytest.raises(CommitRejected, match="votes"):
        _check(replace(ec, votes=ec.votes[:3]), info)
    with pytest.raises(CommitRejected, match="does not match"):
        _check(_with_vote(ec, 0, power=11), info)
    with pytest.raises(CommitRejected, match="does not match"):
        _check(replace(ec, votes=(ec.votes[1], ec.votes[0], *ec.votes[2:])), info)
    # claiming an absent vote was absent when the block says it signed: a censored reveal
    with pytest.raises(CommitRejected, match="does not match"):
        _check(_with_vote(ec, 3, block_id_flag=FLAG_ABSENT, extension=b"", signature=b""), info)


def test_extension_on_a_non_commit_vote_rejects() -> None:
    ec, info = _commit(flags=(FLAG_COMMIT, FLAG_COMMIT, FLAG_COMMIT, FLAG_NIL))
    with pytest.raises(CommitRejected, match="non-commit"):
        _check(_with_vote(ec, 3, extension=b"\x01", signature=bytes(64)), info)


def test_a_signature_only_cometbft_accepts_counts_as_cometbft_counts_it() -> None:
    addr = validator_address(GO_PUB)
    pubs = {**PUBS, addr: GO_PUB}
    # GO_VECTORS[0]: chain "bpdao-test", height 7, round 0, extension 01 02 03
    crafted = ExtendedVote(addr, 10, FLAG_COMMIT, bytes([1, 2, 3]), ZIP215_ONLY_SIG)
    sign_bytes = vote_extension_sign_bytes("bpdao-test", 7, 0, b"e")
    others = [
        ExtendedVote(a, 10, FLAG_COMMIT, b"e", PUB_SIGNERS[a].sign(sign_bytes).signature) for a in PUB_SIGNERS
    ]
    ec = ExtendedCommit(0, (crafted, *others))
    info = CommitInfo(0, tuple(VoteInfo(v.validator_address, v.power, v.block_id_flag) for v in ec.votes))
    checked = check_extended_commit(ec, info, "bpdao-test", 7, pubs.get)
    assert checked.counted_power == 50 and checked.counted[0] == crafted


def test_unknown_validator_rejects() -> None:
    ec, info = _commit()
    with pytest.raises(CommitRejected, match="unknown"):
        check_extended_commit(ec, info, CHAIN, 9, lambda _addr: None)


# --- the commit-info tx ------------------------------------------------------------------------
def _pb(ec: ExtendedCommit) -> abci_pb.ExtendedCommitInfo:
    return abci_pb.ExtendedCommitInfo(
        round=ec.round,
        votes=[
            abci_pb.ExtendedVoteInfo(
                validator=abci_pb.Validator(address=v.validator_address, power=v.power),
                block_id_flag=v.block_id_flag,  # type: ignore[arg-type]
                vote_extension=v.extension,
                extension_signature=v.signature,
            )
            for v in ec.votes
        ],
    )


def test_injection_round_trip() -> None:
    ec, _ = _commit(flags=(FLAG_COMMIT, FLAG_NIL, FLAG_COMMIT, FLAG_ABSENT))
    tx = encode_injection(_pb(ec))
    assert is_injection(tx) and tx.startswith(INJECTION_MAGIC)
    assert decode_injection(tx) == ec
    assert extended_commit_from_pb(_pb(ec)) == ec
    with pytest.raises(ValueError):
        decode_injection(INJECTION_MAGIC + b"\xff\xff\xff")
    with pytest.raises(ValueError):
        decode_injection(b"\x0a\x00")


def test_injection_can_never_be_a_user_tx() -> None:
    ec, _ = _commit()
    with pytest.raises(TxDecodeError):
        decode_tx(encode_injection(_pb(ec)), max_tx_bytes=1 << 20)
    assert INJECTION_MAGIC[0] == 0  # field number 0: no protobuf message starts like this


def test_verdicts_match_cometbft_on_edge_cases() -> None:
    """95 signatures (valid, forged, non-canonical S/A/R, small-order A/R) with CometBFT v0.40.0's own
    verdicts (tests/abci_app/vectors/ed25519_cometbft_verdicts.json)."""
    doc = json.loads((Path(__file__).parent / "vectors" / "ed25519_cometbft_verdicts.json").read_text())
    vectors = doc["vectors"]
    assert len(vectors) == 95 and {v["cometbft"] for v in vectors} == {True, False}
    for v in vectors:
        got = verify_extension_signature(
            bytes.fromhex(v["pub_key"]), bytes.fromhex(v["message"]), bytes.fromhex(v["signature"])
        )
        assert got == v["cometbft"], v["case"]
