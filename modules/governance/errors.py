"""governance error codes (codespace ``governance``, docs/spec/governance.md) and the halt."""

from __future__ import annotations

from modules.core.errors import ErrorCode

CODESPACE = "governance"

ERR_UNKNOWN_POST = ErrorCode(CODESPACE, 1, "unknown post")
ERR_NOT_AUTHOR = ErrorCode(CODESPACE, 2, "the proposer must be an author of the post")
ERR_POST_ALREADY_PROPOSED = ErrorCode(CODESPACE, 3, "this post already carries a proposal")
ERR_FEE_TOO_LOW = ErrorCode(CODESPACE, 4, "fee below min_fee")
ERR_NO_CHANGES = ErrorCode(CODESPACE, 5, "a proposal needs at least one change")
ERR_TOO_MANY_CHANGES = ErrorCode(CODESPACE, 6, "more changes than max_changes")
ERR_DUPLICATE_CHANGE = ErrorCode(CODESPACE, 7, "the same module key is changed twice")
ERR_UNKNOWN_MODULE = ErrorCode(CODESPACE, 8, "no governable params for this module")
ERR_UNKNOWN_KEY = ErrorCode(CODESPACE, 9, "not a governable key of this module")
ERR_INVALID_VALUE = ErrorCode(CODESPACE, 10, "invalid value")
ERR_INVALID_PARAMS = ErrorCode(CODESPACE, 11, "invalid governance params")


class UnsupportedWorkContractVersion(RuntimeError):
    """The chain activated a work-contract version this software does not implement.

    Not a TxError: raised from begin_block, it propagates out of FinalizeBlock so the ABCI server
    halts the node (exit code 70) before it computes an app hash it cannot vouch for.
    """

    def __init__(self, height: int, version: int, supported: tuple[int, ...]) -> None:
        self.height = height
        self.version = version
        self.supported = supported
        super().__init__(
            f"governance activated work-contract version {version} at height {height}; this software "
            f"supports {', '.join(map(str, supported))}. Stopping here instead of diverging: install a "
            f"release that supports version {version} and restart the node."
        )
