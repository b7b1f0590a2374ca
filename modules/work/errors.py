"""work error codes (codespace ``work``), listed in docs/spec/work.md."""

from __future__ import annotations

from modules.core.errors import ErrorCode

CODESPACE = "work"

ERR_INVALID_KIND = ErrorCode(CODESPACE, 1, "invalid work kind")
ERR_FEE_TOO_LOW = ErrorCode(CODESPACE, 2, "fee below min_fee")
ERR_INVALID_DETAILS_HASH = ErrorCode(CODESPACE, 3, "details hash must be 32 bytes")
ERR_INVALID_DEADLINE = ErrorCode(CODESPACE, 4, "deadline must be in [1, max_deadline_s] seconds")
ERR_NO_EXPERT_AVAILABLE = ErrorCode(CODESPACE, 5, "nobody is available for this kind of work")
ERR_UNKNOWN_REQUEST = ErrorCode(CODESPACE, 6, "unknown work request")
ERR_NOT_ASSIGNED_EXPERT = ErrorCode(CODESPACE, 7, "only the assigned expert may submit evidence")
ERR_NOT_CLIENT = ErrorCode(CODESPACE, 8, "only the client may record a verdict")
ERR_EVIDENCE_NOT_EXPECTED = ErrorCode(CODESPACE, 9, "the request is not waiting for evidence")
ERR_VERDICT_NOT_EXPECTED = ErrorCode(CODESPACE, 10, "the request is not waiting for a verdict")
ERR_DEADLINE_PASSED = ErrorCode(CODESPACE, 11, "the deadline has passed")
ERR_UNKNOWN_POST = ErrorCode(CODESPACE, 12, "evidence post does not exist")
ERR_EVIDENCE_NOT_BY_EXPERT = ErrorCode(CODESPACE, 13, "the evidence post must be authored by the expert")
ERR_EVIDENCE_REUSED = ErrorCode(CODESPACE, 14, "this post is already the evidence of a request")
