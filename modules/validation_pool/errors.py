"""validation_pool error codes (docs/spec.md §4)."""

from __future__ import annotations

from modules.core.errors import ErrorCode

CODESPACE = "validation_pool"

ERR_UNKNOWN_POST = ErrorCode(CODESPACE, 1, "unknown post")
ERR_FEE_NOT_POSITIVE = ErrorCode(CODESPACE, 2, "fee must be > 0")
ERR_DURATION_OUT_OF_RANGE = ErrorCode(CODESPACE, 3, "duration outside [duration_min_s, duration_max_s]")
ERR_UNKNOWN_POOL = ErrorCode(CODESPACE, 4, "unknown pool")
ERR_POOL_CLOSED = ErrorCode(CODESPACE, 5, "pool is closed")
ERR_STAKE_NOT_POSITIVE = ErrorCode(CODESPACE, 6, "stake must be > 0")
ERR_UNKNOWN_CALLBACK = ErrorCode(CODESPACE, 7, "unknown result callback")
ERR_INVALID_PARAMS = ErrorCode(CODESPACE, 8, "invalid params")
ERR_INVALID_ADDRESS = ErrorCode(CODESPACE, 9, "invalid address")
