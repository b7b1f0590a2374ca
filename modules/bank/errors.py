"""bank error codes (codespace ``bank``)."""

from __future__ import annotations

from modules.core.errors import ErrorCode

CODESPACE = "bank"

ERR_INVALID_AMOUNT = ErrorCode(CODESPACE, 1, "invalid amount")
ERR_INSUFFICIENT_FUNDS = ErrorCode(CODESPACE, 2, "insufficient funds")
ERR_INVALID_ADDRESS = ErrorCode(CODESPACE, 3, "invalid address")
ERR_BLOCKED_RECIPIENT = ErrorCode(CODESPACE, 4, "recipient is a module account")

ERRORS = (ERR_INVALID_AMOUNT, ERR_INSUFFICIENT_FUNDS, ERR_INVALID_ADDRESS, ERR_BLOCKED_RECIPIENT)
