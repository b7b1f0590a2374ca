"""beacon records and the vote-extension payload (our own bytes; CometBFT treats them as opaque).

Payload of the vote extension a committee member's node signs at height h:

* commit phase: ``0x01 || sha256(b"bpdao/beacon/commit/v1" || secret)`` (33 bytes)
* reveal phase: ``0x02 || secret`` (33 bytes)
* quiet phase, or a node without a secret: empty

``secret`` is 32 bytes, one per (node, chain, epoch) (modules/beacon/secret.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final, Literal

Phase = Literal["commit", "reveal", "quiet"]
COMMIT: Final = "commit"
REVEAL: Final = "reveal"
QUIET: Final = "quiet"

SECRET_LEN = 32
TAG_COMMIT = 0x01
TAG_REVEAL = 0x02
MAX_EXTENSION_LEN = 1 + SECRET_LEN

_COMMIT_DOMAIN = b"bpdao/beacon/commit/v1"
_MIX_DOMAIN = b"bpdao/beacon/mix/v1"
_SEED_DOMAIN = b"bpdao/beacon/seed/v1"
_GENESIS_DOMAIN = b"bpdao/beacon/genesis/v1"


@dataclass(frozen=True)
class Extension:
    tag: int  # TAG_COMMIT or TAG_REVEAL
    value: bytes  # 32 bytes: the commitment or the secret


def commitment(secret: bytes) -> bytes:
    return hashlib.sha256(_COMMIT_DOMAIN + secret).digest()


def encode_extension(phase: Phase, secret: bytes | None) -> bytes:
    if secret is None or phase == QUIET:
        return b""
    if len(secret) != SECRET_LEN:
        raise ValueError("a beacon secret is 32 bytes")
    if phase == COMMIT:
        return bytes([TAG_COMMIT]) + commitment(secret)
    return bytes([TAG_REVEAL]) + secret


def decode_extension(phase: Phase, data: bytes) -> Extension | None:
    """The payload if ``data`` is well formed for ``phase``; None for an empty extension.

    Raises ValueError for anything else (the node answers REJECT in VerifyVoteExtension).
    """
    if not data:
        return None
    if len(data) != 1 + SECRET_LEN:
        raise ValueError(f"beacon extension must be empty or {1 + SECRET_LEN} bytes, got {len(data)}")
    expected = {COMMIT: TAG_COMMIT, REVEAL: TAG_REVEAL}.get(phase)
    if data[0] != expected:
        raise ValueError(f"tag {data[0]} is not allowed in the {phase} phase")
    return Extension(data[0], bytes(data[1:]))


def mix_term(validator_address: bytes, secret: bytes) -> bytes:
    """One member's contribution; XOR-ing these is order-free, and binding the address means two
    members revealing the same secret do not cancel out."""
    return hashlib.sha256(_MIX_DOMAIN + validator_address + secret).digest()


def xor32(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def next_seed(previous_seed: bytes, epoch: int, accumulator: bytes) -> bytes:
    return hashlib.sha256(_SEED_DOMAIN + previous_seed + epoch.to_bytes(8, "big") + accumulator).digest()


def genesis_seed(chain_id: str) -> bytes:
    return hashlib.sha256(_GENESIS_DOMAIN + chain_id.encode()).digest()


@dataclass(frozen=True)
class EpochOutcome:
    """What finalizing an epoch's beacon yields."""

    epoch: int
    seed: bytes  # seeds the choice of the committee after this epoch
    revealed: list[bytes]  # validator addresses that revealed (ascending)
    withheld: list[bytes]  # committed but never revealed (ascending): to be penalised
