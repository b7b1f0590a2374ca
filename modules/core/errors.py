"""Coded errors. A rule broken by a transaction raises :class:`TxError`; the app turns it
into a result code (deterministic, hashed into the next block's LastResultsHash) and a log.

Codes are per module (``codespace``) and listed in docs/spec.md. Code 0 is success.
"""

from __future__ import annotations


class TxError(Exception):
    """A transaction broke a rule: its messages change nothing (fees are still charged)."""

    def __init__(self, codespace: str, code: int, message: str) -> None:
        if code <= 0:
            raise ValueError("error codes are positive")
        super().__init__(message)
        self.codespace = codespace
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"TxError({self.codespace}/{self.code}: {self.message})"


class ErrorCode:
    """Declares one error of a module: ``ERR = ErrorCode("bank", 2, "insufficient funds")``.

    Call it to raise: ``raise ERR("need 5, have 3")``.
    """

    def __init__(self, codespace: str, code: int, summary: str) -> None:
        self.codespace = codespace
        self.code = code
        self.summary = summary

    def __call__(self, detail: str = "") -> TxError:
        text = f"{self.summary}: {detail}" if detail else self.summary
        return TxError(self.codespace, self.code, text)

    def __repr__(self) -> str:
        return f"{self.codespace}/{self.code} {self.summary}"


def ensure(condition: bool, error: TxError | ErrorCode) -> None:
    """``ensure(balance >= amount, ERR_INSUFFICIENT_FUNDS)``: raise unless the condition holds."""
    if not condition:
        raise error() if isinstance(error, ErrorCode) else error


class GenesisError(ValueError):
    """Genesis app_state is invalid; the message says which field and why."""
