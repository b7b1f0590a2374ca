"""The node-local beacon secret (not consensus state: only the node's own vote extensions use it).

A node keeps 32 random bytes in a key file (made once, like CometBFT's node key). Its secret for
an epoch is ``HMAC-SHA256(file bytes, b"bpdao/beacon/secret/v1" || chain_id || 0x00 || u64(epoch))``,
so a restarted node reveals exactly what it committed to, and nothing on chain tells one epoch's
secret from another's before the reveal.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

SEED_LEN = 32
_DOMAIN = b"bpdao/beacon/secret/v1"


def derive_secret(node_seed: bytes, chain_id: str, epoch: int) -> bytes:
    if len(node_seed) != SEED_LEN:
        raise ValueError("the beacon node seed is 32 bytes")
    message = _DOMAIN + chain_id.encode() + b"\x00" + epoch.to_bytes(8, "big")
    return hmac.new(node_seed, message, hashlib.sha256).digest()


def load_or_create_node_seed(path: Path) -> bytes:
    """Read the node's seed file, creating it (0600, written then renamed) if it does not exist."""
    if path.exists():
        data = path.read_bytes()
        if len(data) != SEED_LEN:
            raise ValueError(f"{path}: a beacon seed file holds exactly {SEED_LEN} bytes")
        return data
    path.parent.mkdir(parents=True, exist_ok=True)
    seed = os.urandom(SEED_LEN)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, seed)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return seed
