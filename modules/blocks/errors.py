"""blocks error codes."""

from __future__ import annotations

from modules.core.errors import ErrorCode

CODESPACE = "blocks"

ERR_INVALID_PARAMS = ErrorCode(CODESPACE, 1, "invalid params")
