"""auth records and params."""

from __future__ import annotations

from dataclasses import dataclass

# CometBFT's own mempool refuses txs above its max_tx_bytes (default 4 MiB); ours must fit below.
MAX_TX_BYTES_CEILING = 4 * 1024 * 1024


@dataclass(frozen=True)
class Account:
    """A signer: created by its first signed tx (or by genesis, possibly without a key yet)."""

    address: bytes  # sha256(pub_key)[:20]
    pub_key: bytes  # 32-byte ed25519 key; b"" until the account's first tx if created by genesis
    nonce: int  # the nonce its next tx must carry


@dataclass(frozen=True)
class AuthParams:
    # 16 KiB: a send is ~170 bytes and a DAO message (post with authors and references; content
    # lives off-chain as a hash) a few KiB, so 16 KiB leaves room while bounding the worst case:
    # a full 5000-tx mempool holds <= 80 MB and hashing a maximal body stays a few tens of µs.
    max_tx_bytes: int = 16384
    # Every tx, including a failing one, pays at least this per message: bad input always costs
    # its sender, and a batch of messages costs what the messages would cost one by one.
    min_fee: int = 1
    max_memo_bytes: int = 256  # UTF-8 bytes; a memo is a note, not storage
