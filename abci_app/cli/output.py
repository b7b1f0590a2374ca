"""How commands report: one JSON object (``--output json``) or readable lines (``text``), and errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

# Exit codes (documented in README): 0 ok, 1 failed, 2 usage, 3 app/node unreachable, 4 tx rejected.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_TX_REJECTED = 4


class CliError(Exception):
    """A command failed in a way the user can act on; printed without a traceback."""

    def __init__(
        self, message: str, exit_code: int = EXIT_FAILED, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.details = dict(details or {})


class Output:
    def __init__(self, mode: str) -> None:
        self.json = mode == "json"

    def emit(self, data: Mapping[str, Any], text: str | Callable[[], str]) -> None:
        """Print ``data`` as JSON, or ``text`` for people."""
        if self.json:
            print(json.dumps(data, indent=2, sort_keys=True))
        else:
            print(text() if callable(text) else text)

    def note(self, message: str) -> None:
        """Progress for people; never mixed into JSON on stdout."""
        print(message, file=sys.stderr, flush=True)

    def error(self, err: CliError) -> None:
        if self.json:
            print(json.dumps({"error": err.message, **err.details}, indent=2, sort_keys=True))
        else:
            print(f"error: {err.message}", file=sys.stderr)
