"""Vote extensions on the wire: CometBFT's sign bytes, checking an ExtendedCommitInfo, and the
"commit-info tx" a proposer injects so every node sees the previous height's extensions.

Only this file (with abci_app/por.py) knows the protobuf side of Proof of Reputation; the
modules get plain data.

Sign bytes (CometBFT v0.40.0 ``types.VoteExtensionSignBytes`` = ``protoio.MarshalDelimited`` of
``CanonicalVoteExtension{extension=1 bytes, height=2 sfixed64, round=3 sfixed64, chain_id=4 string}``):

    uvarint(len(body)) || body
    body = [0x0a uvarint(len(ext)) ext]        if ext is non-empty
           [0x11 height as 8 bytes little-endian] if height != 0
           [0x19 round as 8 bytes little-endian]  if round != 0
           [0x22 uvarint(len(chain_id)) chain_id] if chain_id is non-empty

(proto3: zero values are omitted; fields in ascending number, as gogoproto writes them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing
from google.protobuf.message import DecodeError

from abci_app import ed25519_zip215
from abci_app.pb.tendermint.abci import types_pb2 as abci_pb
from modules.producers.types import FLAG_COMMIT, VoteInfo

# A tx starting with byte 0x00 can never parse as a bpdao Tx: protobuf field number 0 is invalid,
# so the tx decoder rejects it (and CheckTx with it: users cannot submit one).
INJECTION_MAGIC = b"\x00bpdao/commit-info/v1\x00"
MAX_EXTENSION_SIGNATURE = 64  # CometBFT MaxSignatureSize


def _uvarint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _sfixed64(n: int) -> bytes:
    return (n & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little")


def vote_extension_sign_bytes(chain_id: str, height: int, round_: int, extension: bytes) -> bytes:
    """Exactly what a validator's CometBFT signs for its vote extension (see the module doc)."""
    body = bytearray()
    if extension:
        body += b"\x0a" + _uvarint(len(extension)) + extension
    if height:
        body += b"\x11" + _sfixed64(height)
    if round_:
        body += b"\x19" + _sfixed64(round_)
    chain = chain_id.encode()
    if chain:
        body += b"\x22" + _uvarint(len(chain)) + chain
    return _uvarint(len(body)) + bytes(body)


_GROUP_ORDER = 2**252 + 27742317777372353535851937790883648493


# A pure function of its bytes: FinalizeBlock re-checks what ProcessProposal checked, so remember.
@functools.lru_cache(maxsize=4096)
def verify_extension_signature(pub_key: bytes, sign_bytes: bytes, signature: bytes) -> bool:
    """Exactly CometBFT's verdict (ZIP-215 rules), fast.

    PyNaCl (libsodium) first: what it accepts with a canonical S also passes ZIP-215 (its
    cofactorless equation implies the cofactored one), so that answer is final. What it refuses
    goes to the pure-Python ZIP-215 check, because CometBFT may have accepted it (e.g. an R with a
    small-order component, which only a validator signing on purpose produces). So the verdict
    never depends on the libsodium version, and a validator cannot make honest proposals fail.
    """
    if len(signature) == 64 and int.from_bytes(signature[32:], "little") < _GROUP_ORDER:
        try:
            nacl.signing.VerifyKey(pub_key).verify(sign_bytes, signature)
            return True
        except (nacl.exceptions.CryptoError, ValueError, TypeError):
            pass
    return ed25519_zip215.verify(pub_key, sign_bytes, signature)


# --- plain forms ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExtendedVote:
    validator_address: bytes
    power: int
    block_id_flag: int
    extension: bytes
    signature: bytes


@dataclass(frozen=True)
class ExtendedCommit:
    round: int
    votes: tuple[ExtendedVote, ...]


@dataclass(frozen=True)
class CommitInfo:
    round: int
    votes: tuple[VoteInfo, ...]


def extended_commit_from_pb(pb: abci_pb.ExtendedCommitInfo) -> ExtendedCommit:
    return ExtendedCommit(
        pb.round,
        tuple(
            ExtendedVote(
                bytes(v.validator.address),
                v.validator.power,
                int(v.block_id_flag),
                bytes(v.vote_extension),
                bytes(v.extension_signature),
            )
            for v in pb.votes
        ),
    )


def commit_info_from_pb(pb: abci_pb.CommitInfo) -> CommitInfo:
    return CommitInfo(
        pb.round,
        tuple(
            VoteInfo(bytes(v.validator.address), v.validator.power, int(v.block_id_flag)) for v in pb.votes
        ),
    )


# --- the injected tx --------------------------------------------------------------------------
def is_injection(tx: bytes) -> bool:
    return tx.startswith(INJECTION_MAGIC)


def encode_injection(local_last_commit: abci_pb.ExtendedCommitInfo) -> bytes:
    body: bytes = local_last_commit.SerializeToString(deterministic=True)
    return INJECTION_MAGIC + body


def decode_injection(tx: bytes) -> ExtendedCommit:
    """Raises ValueError if ``tx`` is not a well-formed injection."""
    if not is_injection(tx):
        raise ValueError("not a commit-info tx")
    pb = abci_pb.ExtendedCommitInfo()
    try:
        pb.ParseFromString(tx[len(INJECTION_MAGIC) :])
    except DecodeError as e:
        raise ValueError(f"commit-info tx does not parse: {e}") from None
    return extended_commit_from_pb(pb)


# --- checking an injected commit against the block's last commit --------------------------------
@dataclass(frozen=True)
class CheckedCommit:
    """The COMMIT votes (each with a valid extension signature) and the voting power behind them."""

    counted: tuple[ExtendedVote, ...]
    counted_power: int
    total_power: int


class CommitRejected(ValueError):
    """The injected commit cannot be what an honest proposer's CometBFT handed it: reject the block."""


def check_extended_commit(
    ec: ExtendedCommit,
    last_commit: CommitInfo,
    chain_id: str,
    signed_height: int,
    pub_key_of: Callable[[bytes], bytes | None],
) -> CheckedCommit:
    """Check ``ec`` (injected into block ``signed_height + 1``) against the block's own last commit.

    * same round, same validators in the same order with the same powers and block-id flags as
      ``last_commit`` (CometBFT built that from its validator store, so it is the truth);
    * a COMMIT vote carries an extension signature (CometBFT requires one from the enable height
      on); other votes carry neither extension nor signature;
    * each signature verifies (CometBFT's ZIP-215 rules, :func:`verify_extension_signature`) over
      the canonical sign bytes for (chain_id, signed_height, ec.round): CometBFT checked every one
      of them, so a signature that does not verify is a proposer's forgery;
    * the counted votes hold more than 2/3 of the set's voting power.

    ``pub_key_of`` gives a validator address's ed25519 key (from the producers module).
    Raises :class:`CommitRejected` with the reason.
    """
    if ec.round != last_commit.round:
        raise CommitRejected(f"round {ec.round} != last commit round {last_commit.round}")
    if len(ec.votes) != len(last_commit.votes):
        raise CommitRejected(f"{len(ec.votes)} votes, the last commit has {len(last_commit.votes)}")
    counted: list[ExtendedVote] = []
    total = counted_power = 0
    for i, (vote, truth) in enumerate(zip(ec.votes, last_commit.votes, strict=True)):
        if (vote.validator_address, vote.power, vote.block_id_flag) != (
            truth.validator_address,
            truth.power,
            truth.block_id_flag,
        ):
            raise CommitRejected(f"vote {i} does not match the last commit")
        total += vote.power
        if vote.block_id_flag != FLAG_COMMIT:
            if vote.extension or vote.signature:
                raise CommitRejected(f"vote {i}: extension on a non-commit vote")
            continue
        if not vote.signature or len(vote.signature) > MAX_EXTENSION_SIGNATURE:
            raise CommitRejected(f"vote {i}: missing or oversized extension signature")
        pub_key = pub_key_of(vote.validator_address)
        if pub_key is None:
            raise CommitRejected(f"vote {i}: unknown validator {vote.validator_address.hex()}")
        sign_bytes = vote_extension_sign_bytes(chain_id, signed_height, ec.round, vote.extension)
        if not verify_extension_signature(pub_key, sign_bytes, vote.signature):
            raise CommitRejected(f"vote {i}: extension signature of {vote.validator_address.hex()} is forged")
        counted.append(vote)
        counted_power += vote.power
    if total <= 0:
        raise CommitRejected("the last commit has no voting power")
    if counted_power * 3 <= total * 2:
        raise CommitRejected(f"valid extensions hold {counted_power} of {total} power, need more than 2/3")
    return CheckedCommit(tuple(counted), counted_power, total)
