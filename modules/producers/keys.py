"""Consensus-key checks: a valid ed25519 point of large order, and proof that its owner agreed."""

from __future__ import annotations

import nacl.bindings
import nacl.exceptions
import nacl.signing

from modules.core.address import address_from_pubkey

PUB_KEY_LEN = 32
SIGNATURE_LEN = 64
_POSSESSION_DOMAIN = b"bpdao/consensus-key/v1\x00"

# The eight canonical encodings of ed25519 points of small order (orders 1, 2, 4 and 8). A
# validator with such a key could have "valid" signatures on any message.
SMALL_ORDER_ENCODINGS: frozenset[bytes] = frozenset(
    bytes.fromhex(h)
    for h in (
        "0100000000000000000000000000000000000000000000000000000000000000",  # identity (order 1)
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # (0, -1), order 2
        "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
        "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
    )
)


def validator_address(pub_key: bytes) -> bytes:
    """CometBFT's validator address of an ed25519 key: sha256(pub_key)[:20]."""
    return address_from_pubkey(pub_key)


def pub_key_problem(pub_key: bytes) -> str | None:
    """Why ``pub_key`` cannot be a consensus key, or None."""
    if len(pub_key) != PUB_KEY_LEN:
        return f"an ed25519 key is {PUB_KEY_LEN} bytes, got {len(pub_key)}"
    if pub_key in SMALL_ORDER_ENCODINGS:
        return "key is a point of small order"
    # libsodium: on the curve, canonical encoding, not of small order.
    if not nacl.bindings.crypto_core_ed25519_is_valid_point(pub_key):
        return "key is not a canonical ed25519 point of large order"
    return None


def possession_message(chain_id: str, member: bytes) -> bytes:
    """What the consensus key signs to agree to be bound to ``member`` on ``chain_id``."""
    return _POSSESSION_DOMAIN + chain_id.encode() + b"\x00" + member


def sign_possession(signing_key_seed: bytes, chain_id: str, member: bytes) -> bytes:
    """Client side: the proof for MsgRegisterConsensusKey from the consensus key's 32-byte seed."""
    signed = nacl.signing.SigningKey(signing_key_seed).sign(possession_message(chain_id, member))
    return bytes(signed.signature)


def verify_possession(pub_key: bytes, chain_id: str, member: bytes, signature: bytes) -> bool:
    if len(signature) != SIGNATURE_LEN:
        return False
    try:
        nacl.signing.VerifyKey(pub_key).verify(possession_message(chain_id, member), signature)
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return False
    return True
