"""salary error codes (docs/spec.md §4)."""

from __future__ import annotations

from modules.core.errors import ErrorCode

CODESPACE = "salary"

ERR_NOTHING_TO_CLAIM = ErrorCode(CODESPACE, 1, "nothing to claim")
