"""forum records, messages and params."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PPM = 1_000_000
INCINERATOR_ID = 0  # post 0 exists from genesis; REP propagated to it is destroyed (never minted)
CONTENT_HASH_LEN = 32  # sha256 of the off-chain content

# The keeper interface takes plain pairs (DAO_CONTRACT.md): (address, weight_ppm) and (post_id, weight_ppm).
AuthorWeights = Sequence[tuple[bytes, int]]
CitationWeights = Sequence[tuple[int, int]]


@dataclass(frozen=True)
class Author:
    address: bytes
    weight_ppm: int


@dataclass(frozen=True)
class Citation:
    post_id: int
    weight_ppm: int  # > 0 donates, < 0 leaches; |weight| <= PPM


@dataclass(frozen=True)
class MsgPost:
    content_hash: bytes
    authors: tuple[Author, ...]
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Post:
    id: int
    sender: bytes
    content_hash: bytes
    authors: tuple[Author, ...]
    citations: tuple[Citation, ...]
    height: int
    time_ns: int
    value: int = 0  # REP accrued by the post through propagation (stored apart, filled on read)


@dataclass(frozen=True)
class Params:
    depth_limit: int = 3  # citations are followed from posts at depth < depth_limit (award post: 0)
    max_authors: int = 16
    # bounds one award's walk: at most 1 + c + c^2 + ... + c^depth_limit post visits (585 for 8 and 3)
    max_citations: int = 8

    def validate(self) -> str | None:
        """Why these params are unusable, or None."""
        if not 0 <= self.depth_limit <= 8:
            return "depth_limit must be in [0, 8]"
        if not 1 <= self.max_authors <= 256:
            return "max_authors must be in [1, 256]"
        if not 0 <= self.max_citations <= 256:
            return "max_citations must be in [0, 256]"
        return None


@dataclass(frozen=True)
class AwardOutcome:
    """Where an award's REP went. Always ``amount == minted + destroyed``; the REP supply
    changes by ``minted - leached``."""

    minted: int = 0  # REP minted to authors of the posts reached
    destroyed: int = 0  # part of the award never minted: sent to the Incinerator or spent leaching
    incinerated: int = 0  # of ``destroyed``: sent to the Incinerator
    leached: int = 0  # REP burned from the authors of negatively cited posts
