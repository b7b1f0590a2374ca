"""reputation error codes (docs/spec.md §4)."""

from __future__ import annotations

from modules.core.errors import ErrorCode

CODESPACE = "reputation"

ERR_INVALID_AMOUNT = ErrorCode(CODESPACE, 1, "invalid amount")
ERR_INSUFFICIENT_FREE = ErrorCode(CODESPACE, 2, "insufficient free REP")
ERR_INSUFFICIENT_ALLOWANCE = ErrorCode(CODESPACE, 3, "insufficient stake allowance")
ERR_SELF_ALLOWANCE = ErrorCode(CODESPACE, 4, "a member cannot give a stake allowance to themself")
ERR_INVALID_ADDRESS = ErrorCode(CODESPACE, 5, "invalid address")
ERR_RELEASE_BEYOND_ENCUMBERED = ErrorCode(CODESPACE, 6, "release beyond encumbered REP")
ERR_BURN_BEYOND_AVAILABLE = ErrorCode(CODESPACE, 7, "burn beyond the REP available to burn")
ERR_UNBALANCED_REASSIGN = ErrorCode(CODESPACE, 8, "reassignment amounts do not balance")
