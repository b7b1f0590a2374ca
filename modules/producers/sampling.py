"""REP-weighted sampling without replacement, driven only by a seed.

Draw ``i`` (0, 1, …) uses ``r_i = uniform_below(sha256(DOMAIN || seed || u64(i)), W_i)`` where ``W_i``
is the total weight of the candidates not drawn yet, and picks the first remaining candidate (in
the given order) whose running weight exceeds ``r_i``; that candidate is then removed. So every
draw is proportional to weight among those left, and nobody is drawn twice. If every remaining
weight is 0, the remaining candidates count equally (the availability bootstrap rule).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

_DOMAIN = b"bpdao/producers/sample/v1"
_SPACE = 1 << 256


def uniform_below(seed: bytes, n: int) -> int:
    """An integer in [0, n) from ``seed`` without modulo bias: ``x = sha256(seed)`` as a big-endian
    number, re-hashed while it falls in the incomplete top block ``[2**256 - 2**256 % n, 2**256)``."""
    if n <= 0:
        raise ValueError("n must be positive")
    limit = _SPACE - _SPACE % n
    digest = hashlib.sha256(seed).digest()
    while int.from_bytes(digest, "big") >= limit:
        digest = hashlib.sha256(digest).digest()
    return int.from_bytes(digest, "big") % n


def sample_without_replacement(seed: bytes, weights: Sequence[int], k: int) -> list[int]:
    """Indices of ``min(k, len(weights))`` distinct candidates, in draw order."""
    if any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative")
    remaining = list(range(len(weights)))
    drawn: list[int] = []
    for i in range(min(k, len(weights))):
        total = sum(weights[j] for j in remaining)
        effective = [weights[j] for j in remaining] if total else [1] * len(remaining)
        r = uniform_below(_DOMAIN + seed + i.to_bytes(8, "big"), total or len(remaining))
        running = 0
        for pos, w in enumerate(effective):
            running += w
            if r < running:
                drawn.append(remaining.pop(pos))
                break
    return drawn
