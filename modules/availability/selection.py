"""Deterministic REP-weighted sampling from a seed (docs/spec/availability.md, "Selection")."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

_SPACE = 1 << 256


def uniform_below(seed: bytes, n: int) -> int:
    """A number in [0, n) from ``seed``, without modulo bias.

    ``x = sha256(seed)`` as a 256-bit big-endian integer; if ``x`` falls in the incomplete last
    block (``x >= 2**256 - 2**256 % n``) it is rejected and ``x = sha256(previous digest)`` is tried
    next. The answer is ``x % n``. A rejection has probability < n / 2**256.
    """
    if n <= 0:
        raise ValueError("n must be positive")
    limit = _SPACE - _SPACE % n
    digest = hashlib.sha256(seed).digest()
    while int.from_bytes(digest, "big") >= limit:
        digest = hashlib.sha256(digest).digest()
    return int.from_bytes(digest, "big") % n


def weighted_index(seed: bytes, weights: Sequence[int]) -> int | None:
    """Index ``i`` chosen with probability ``weights[i] / sum(weights)``; None if there are no weights.

    Bootstrap rule: if every weight is 0 (and there is at least one), all count equally.
    ``r = uniform_below(seed, total)``; the answer is the first index whose running sum exceeds ``r``.
    """
    if not weights:
        return None
    if any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative")
    total = sum(weights)
    if total == 0:
        weights = [1] * len(weights)
        total = len(weights)
    r = uniform_below(seed, total)
    running = 0
    for i, w in enumerate(weights):
        running += w
        if r < running:
            return i
    raise AssertionError("unreachable: r < total")
