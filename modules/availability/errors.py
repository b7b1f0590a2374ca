"""availability error codes (codespace ``availability``), listed in docs/spec/availability.md."""

from __future__ import annotations

from modules.core.errors import ErrorCode

CODESPACE = "availability"

ERR_INVALID_KIND = ErrorCode(CODESPACE, 1, "invalid work kind")
ERR_INVALID_DURATION = ErrorCode(CODESPACE, 2, "duration must be in [1, max_duration_s] seconds")
ERR_STAKE_TOO_SMALL = ErrorCode(CODESPACE, 3, "stake below min_stake")
ERR_UNKNOWN_STAKE = ErrorCode(CODESPACE, 4, "unknown stake")
ERR_NOT_OWNER = ErrorCode(CODESPACE, 5, "only the stake's owner may do this")
ERR_STAKE_ASSIGNED = ErrorCode(CODESPACE, 6, "stake is assigned to work")
ERR_NOT_EXPIRED = ErrorCode(CODESPACE, 7, "stake has not reached its end time")
ERR_STAKE_INACTIVE = ErrorCode(CODESPACE, 8, "stake is past its end time")
ERR_INVALID_SLASH = ErrorCode(CODESPACE, 9, "slash fraction must be in [0, 1000000] ppm")
ERR_NOT_ASSIGNED = ErrorCode(CODESPACE, 10, "stake is not assigned")
ERR_INVALID_AMOUNT = ErrorCode(CODESPACE, 11, "amount must be non-negative")
