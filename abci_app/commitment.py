"""The app hash: what every node's state commits to after each block.

Scheme v1 chains a digest of each block's write-set onto the previous app hash:

    app_hash_h = sha256("bpdao/apphash/v1" ‖ app_hash_{h-1} ‖ u64(h) ‖ write_set_digest(writes_h))

It costs O(the block's writes) and is deterministic because the write-set is hashed in
ascending key order with length prefixes (no two write-sets share an encoding) and
explicit tombstones for deletes. A block that writes nothing keeps the previous hash, so
CometBFT can honour ``create_empty_blocks = false`` (it forces a new block whenever the app
hash changed). It proves nothing about single keys; a later scheme (per-store Merkle roots)
replaces it behind :class:`Commitment`. :func:`state_root` hashes the full sorted state
for forensics: two nodes whose hashes agree but whose disks differ show it there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Protocol

from modules.core.codec import u64
from modules.core.store import KVStore, Write

APP_HASH_DOMAIN = b"bpdao/apphash/v1"
WRITE_SET_DOMAIN = b"bpdao/writeset/v1"
STATE_ROOT_DOMAIN = b"bpdao/stateroot/v1"
_SET = b"\x01"
_TOMBSTONE = b"\x00"


class Commitment(Protocol):
    """How the app turns the writes of genesis and of each block into app hashes."""

    def genesis_hash(self, writes: Mapping[bytes, Write], initial_height: int) -> bytes: ...

    def block_hash(self, previous: bytes, height: int, writes: Mapping[bytes, Write]) -> bytes: ...


def _len32(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big")


def write_set_digest(writes: Mapping[bytes, Write]) -> bytes:
    """sha256 over the write-set in key order: ``len‖key‖(0x01‖len‖value | 0x00)`` per key."""
    parts: list[bytes] = [WRITE_SET_DOMAIN, u64(len(writes))]
    append = parts.append
    for key in sorted(writes):
        value = writes[key]
        append(_len32(key))
        append(key)
        if value is None:
            append(_TOMBSTONE)
        else:
            append(_SET)
            append(_len32(value))
            append(value)
    # One update over the joined stream (the same bytes as one update per part, a fraction of
    # the calls: this runs over every write of every block).
    return hashlib.sha256(b"".join(parts)).digest()


def chained_hash(previous: bytes, height: int, writes: Mapping[bytes, Write]) -> bytes:
    h = hashlib.sha256(APP_HASH_DOMAIN)
    h.update(_len32(previous))
    h.update(previous)
    h.update(u64(height))
    h.update(write_set_digest(writes))
    return h.digest()


class ChainedWriteSetCommitment:
    """Scheme v1 (see the module docstring)."""

    def genesis_hash(self, writes: Mapping[bytes, Write], initial_height: int) -> bytes:
        # Genesis state is the state "after" height initial_height - 1, chained onto nothing.
        return chained_hash(b"", initial_height - 1, writes)

    def block_hash(self, previous: bytes, height: int, writes: Mapping[bytes, Write]) -> bytes:
        if not writes:
            return previous
        return chained_hash(previous, height, writes)


def state_root(store: KVStore) -> bytes:
    """Offline forensics: sha256 over every (key, value) of ``store`` in key order.

    Not the app hash (which chains write-sets); compare it between nodes at the same height.
    """
    h = hashlib.sha256(STATE_ROOT_DOMAIN)
    for key, value in store.iterate():
        h.update(_len32(key))
        h.update(key)
        h.update(_len32(value))
        h.update(value)
    return h.digest()


def main(argv: list[str] | None = None) -> None:
    """``python -m abci_app.commitment <data-dir>``: print height, app hash and full-state root."""
    import argparse
    from pathlib import Path

    from abci_app.db import StateDB

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("data_dir")
    args = parser.parse_args(argv)
    if not Path(args.data_dir).is_dir():
        raise SystemExit(f"no state database at {args.data_dir}")
    db = StateDB(args.data_dir)
    try:
        last = db.last_commit
        print(f"height    {last.height}")
        print(f"app_hash  {last.app_hash.hex()}")
        print(f"state_root {state_root(db).hex()}")
    finally:
        db.close()


if __name__ == "__main__":
    main()
