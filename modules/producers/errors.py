"""producers error codes (codespace ``producers``), listed in docs/spec/por.md."""

from __future__ import annotations

from modules.core.errors import ErrorCode

CODESPACE = "producers"

ERR_INVALID_KEY = ErrorCode(CODESPACE, 1, "invalid consensus key")
ERR_MEMBER_HAS_KEY = ErrorCode(CODESPACE, 2, "member already has a consensus key")
ERR_KEY_TAKEN = ErrorCode(CODESPACE, 3, "consensus key is registered to another member")
ERR_BAD_POSSESSION = ErrorCode(CODESPACE, 4, "possession signature does not verify")
