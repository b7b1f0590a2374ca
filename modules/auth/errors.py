"""auth error codes (codespace ``auth``). A tx failing one of these changes nothing at all."""

from __future__ import annotations

from modules.core.errors import ErrorCode

CODESPACE = "auth"

ERR_WRONG_NONCE = ErrorCode(CODESPACE, 1, "wrong nonce")
ERR_FEE_TOO_LOW = ErrorCode(CODESPACE, 2, "fee below minimum")
ERR_CANNOT_PAY_FEE = ErrorCode(CODESPACE, 3, "insufficient funds for fee")
ERR_PUBKEY_MISMATCH = ErrorCode(CODESPACE, 4, "public key does not match the account")
ERR_MEMO_TOO_LONG = ErrorCode(CODESPACE, 5, "memo too long")

ERRORS = (ERR_WRONG_NONCE, ERR_FEE_TOO_LOW, ERR_CANNOT_PAY_FEE, ERR_PUBKEY_MISMATCH, ERR_MEMO_TOO_LONG)
