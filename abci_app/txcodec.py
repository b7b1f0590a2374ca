"""Transactions on the wire: decode, verify, sign.

``Tx{body, pub_key, signature}`` carries its ``TxBody`` as bytes, and the signature covers
``SIGN_DOMAIN + body`` exactly as received: nothing is re-serialised before verifying.

Every tx-level error (codespace ``tx``) is declared here:

| code | name              | when                                                              |
|------|-------------------|-------------------------------------------------------------------|
| 1    | undecodable       | not a protobuf ``Tx``/``TxBody``, or not in canonical encoding    |
| 2    | too large         | raw tx longer than the ``max_tx_bytes`` param (auth)              |
| 3    | no messages       | the body lists no message                                         |
| 4    | unknown message   | a ``Msg`` with no oneof field set, or one no module registered    |
| 5    | bad field         | a message field value is invalid (e.g. a bad bech32 address)     |
| 6    | bad public key    | ``pub_key`` is not 32 bytes                                       |
| 7    | bad signature     | the ed25519 signature does not verify (raised by the app)         |
| 8    | wrong chain id    | ``body.chain_id`` differs from the chain's id                     |

Nonce, fee and memo errors belong to ``auth`` (modules/auth/errors.py).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from google.protobuf.message import DecodeError
from nacl.bindings import crypto_sign_open
from nacl.signing import SigningKey

from abci_app.codec import REGISTRY, CodecError
from abci_app.pb.bpdao.v1 import tx_pb2
from modules.core.address import address_from_pubkey
from modules.core.errors import ErrorCode, TxError

SIGN_DOMAIN = b"bpdao/tx/v1\x00"
CODESPACE = "tx"
PUB_KEY_LEN = 32
SIGNATURE_LEN = 64


class TxDecodeError(TxError):
    """A tx-level error (codespace ``tx``): ``code``, ``codespace``, ``message``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(CODESPACE, code, message)


class TxErrorCode(ErrorCode):
    """An :class:`ErrorCode` in codespace ``tx`` whose call builds a :class:`TxDecodeError`."""

    def __init__(self, code: int, summary: str) -> None:
        super().__init__(CODESPACE, code, summary)

    def __call__(self, detail: str = "") -> TxDecodeError:
        return TxDecodeError(self.code, f"{self.summary}: {detail}" if detail else self.summary)


ERR_UNDECODABLE = TxErrorCode(1, "undecodable tx")
ERR_TOO_LARGE = TxErrorCode(2, "tx too large")
ERR_NO_MSGS = TxErrorCode(3, "tx has no messages")
ERR_UNKNOWN_MSG = TxErrorCode(4, "unknown message")
ERR_BAD_FIELD = TxErrorCode(5, "bad message field")
ERR_BAD_PUBKEY = TxErrorCode(6, "bad public key")
ERR_BAD_SIGNATURE = TxErrorCode(7, "bad signature")
ERR_WRONG_CHAIN_ID = TxErrorCode(8, "wrong chain id")

TX_ERRORS: tuple[TxErrorCode, ...] = (
    ERR_UNDECODABLE,
    ERR_TOO_LARGE,
    ERR_NO_MSGS,
    ERR_UNKNOWN_MSG,
    ERR_BAD_FIELD,
    ERR_BAD_PUBKEY,
    ERR_BAD_SIGNATURE,
    ERR_WRONG_CHAIN_ID,
)


class DecodedTx(NamedTuple):
    """A structurally valid tx. No signature check has been done yet.

    (A NamedTuple, immutable like a frozen dataclass: one is built per tx, ~3x faster.)"""

    pub_key: bytes
    signer: bytes  # 20-byte address of pub_key
    signature: bytes
    body: bytes  # the signed body bytes, as received
    msgs: tuple[Any, ...]  # module dataclasses
    chain_id: str
    nonce: int
    fee: int
    memo: str
    size: int  # len(raw)


def _parse_canonical(cls: Any, data: bytes, what: str) -> Any:
    """Parse ``data`` and insist it is the one canonical encoding of what it decodes to.

    This makes a tx's bytes (hence its hash) unique: no unknown fields, duplicated fields,
    padded varints or reordered fields that would give the same tx another hash.
    """
    try:
        pb = cls.FromString(data)
    except (DecodeError, ValueError) as exc:
        raise ERR_UNDECODABLE(f"{what}: {exc}") from None
    pb.DiscardUnknownFields()  # recursive; the bytes comparison below then refuses them
    if pb.SerializeToString(deterministic=True) != data:
        raise ERR_UNDECODABLE(f"{what}: not in canonical protobuf encoding (unknown or out-of-order fields)")
    return pb


def decode_tx(raw: bytes, max_tx_bytes: int) -> DecodedTx:
    """Decode a raw tx; raise :class:`TxDecodeError` if it is not a well-formed one."""
    size = len(raw)
    if size > max_tx_bytes:
        raise ERR_TOO_LARGE(f"{size} bytes > max {max_tx_bytes}")
    tx = _parse_canonical(tx_pb2.Tx, raw, "tx")
    if len(tx.pub_key) != PUB_KEY_LEN:
        raise ERR_BAD_PUBKEY(f"must be {PUB_KEY_LEN} bytes, got {len(tx.pub_key)}")
    body = _parse_canonical(tx_pb2.TxBody, tx.body, "body")
    if not body.msgs:
        raise ERR_NO_MSGS()
    msgs = []
    for i, msg in enumerate(body.msgs):
        try:
            msgs.append(REGISTRY.decode(msg, f"msgs[{i}]"))
        except KeyError:
            kind = msg.WhichOneof("sum")
            raise ERR_UNKNOWN_MSG(f"msgs[{i}]: {'no message set' if kind is None else kind}") from None
        except CodecError as exc:
            raise ERR_BAD_FIELD(str(exc)) from None
        except (TypeError, ValueError) as exc:  # a dataclass __post_init__ refusing a value
            raise ERR_BAD_FIELD(f"msgs[{i}]: {exc}") from None
    pub_key = bytes(tx.pub_key)
    return DecodedTx(
        pub_key=pub_key,
        signer=address_from_pubkey(pub_key),
        signature=bytes(tx.signature),
        body=bytes(tx.body),
        msgs=tuple(msgs),
        chain_id=body.chain_id,
        nonce=body.nonce,
        fee=body.fee,
        memo=body.memo,
        size=size,
    )


def ensure_chain_id(tx: DecodedTx, chain_id: str) -> None:
    """Raise ``ERR_WRONG_CHAIN_ID`` unless the tx was made for this chain."""
    if tx.chain_id != chain_id:
        raise ERR_WRONG_CHAIN_ID(f"tx is for {tx.chain_id!r}, this chain is {chain_id!r}")


def verify_signature(tx: DecodedTx) -> bool:
    """ed25519 over ``SIGN_DOMAIN + body`` with libsodium (PyNaCl). Never raises.

    libsodium rejects small-order public keys and R, and non-canonical S (S >= L), which
    OpenSSL-based ``cryptography`` accepts: consensus code must use this one. Called through
    the binding itself (what ``VerifyKey.verify`` calls, with the same checks) to spare a key
    object and a copy per tx: ~3.5 µs of a ~65 µs check.
    """
    if len(tx.signature) != SIGNATURE_LEN or len(tx.pub_key) != PUB_KEY_LEN:
        return False
    try:
        crypto_sign_open(tx.signature + SIGN_DOMAIN + tx.body, tx.pub_key)
    except Exception:  # BadSignatureError, or anything libsodium refuses
        return False
    return True


def encode_body(
    msgs: tuple[Any, ...] | list[Any], *, chain_id: str, nonce: int, fee: int, memo: str = ""
) -> bytes:
    """The canonical ``TxBody`` bytes (the bytes that get signed)."""
    body = tx_pb2.TxBody(chain_id=chain_id, nonce=nonce, fee=fee, memo=memo)
    for i, m in enumerate(msgs):
        body.msgs.append(REGISTRY.encode(m, f"msgs[{i}]"))
    encoded: bytes = body.SerializeToString(deterministic=True)
    return encoded


def encode_tx(body: bytes, pub_key: bytes, signature: bytes) -> bytes:
    encoded: bytes = tx_pb2.Tx(body=body, pub_key=pub_key, signature=signature).SerializeToString(
        deterministic=True
    )
    return encoded


def sign_tx(
    signing_key_seed: bytes,
    msgs: tuple[Any, ...] | list[Any],
    *,
    chain_id: str,
    nonce: int,
    fee: int,
    memo: str = "",
) -> bytes:
    """Client side: build and sign a raw tx with the 32-byte ed25519 seed."""
    key = SigningKey(signing_key_seed)
    body = encode_body(msgs, chain_id=chain_id, nonce=nonce, fee=fee, memo=memo)
    signature = key.sign(SIGN_DOMAIN + body).signature
    return encode_tx(body, bytes(key.verify_key), signature)
