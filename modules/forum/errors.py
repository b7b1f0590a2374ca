"""forum error codes (codespace ``forum``), listed in docs/spec/forum.md."""

from __future__ import annotations

from modules.core.errors import ErrorCode

CODESPACE = "forum"

ERR_INVALID_CONTENT_HASH = ErrorCode(CODESPACE, 1, "content hash must be 32 bytes")
ERR_NO_AUTHORS = ErrorCode(CODESPACE, 2, "a post needs at least one author")
ERR_TOO_MANY_AUTHORS = ErrorCode(CODESPACE, 3, "too many authors")
ERR_INVALID_AUTHOR_ADDRESS = ErrorCode(CODESPACE, 4, "author address must be 20 bytes")
ERR_INVALID_AUTHOR_WEIGHT = ErrorCode(CODESPACE, 5, "author weight must be in [1, 1000000] ppm")
ERR_DUPLICATE_AUTHOR = ErrorCode(CODESPACE, 6, "duplicate author")
ERR_AUTHOR_WEIGHTS_SUM = ErrorCode(CODESPACE, 7, "author weights must sum to exactly 1000000 ppm")
ERR_SENDER_NOT_AUTHOR = ErrorCode(CODESPACE, 8, "the sender must be one of the post's authors")
ERR_TOO_MANY_CITATIONS = ErrorCode(CODESPACE, 9, "too many citations")
ERR_INVALID_CITATION_WEIGHT = ErrorCode(CODESPACE, 10, "citation weight must be non-zero in [-1e6, 1e6] ppm")
ERR_CITATION_WEIGHTS_SUM = ErrorCode(CODESPACE, 11, "sum of |citation weights| exceeds 1000000 ppm")
ERR_DUPLICATE_CITATION = ErrorCode(CODESPACE, 12, "duplicate citation target")
ERR_SELF_CITATION = ErrorCode(CODESPACE, 13, "a post cannot cite itself")
ERR_UNKNOWN_CITED_POST = ErrorCode(CODESPACE, 14, "cited post does not exist (only older posts)")
ERR_NEGATIVE_INCINERATOR_CITATION = ErrorCode(CODESPACE, 15, "the Incinerator can only be cited positively")
ERR_UNKNOWN_POST = ErrorCode(CODESPACE, 16, "unknown post")
ERR_INVALID_AMOUNT = ErrorCode(CODESPACE, 17, "award amount must be non-negative")
