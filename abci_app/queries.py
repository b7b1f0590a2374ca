"""ABCI Query: ``path = "/<module>/<name>"``, ``data`` = JSON arguments, answer = JSON bytes.

Queries read committed state only, through a read-only context. Every failure is a coded
answer (codespace ``query``); nothing a client asks can raise out of here except a bug,
which the app turns into an internal-error code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modules.core.codec import dumps
from modules.core.context import Context
from modules.core.module import QueryError, QueryHandler

QUERY_CODESPACE = "query"
CODE_UNKNOWN_PATH = 1
CODE_BAD_REQUEST = 2
CODE_UNSUPPORTED_HEIGHT = 3
CODE_INTERNAL = 4


@dataclass(frozen=True)
class QueryAnswer:
    code: int = 0
    log: str = ""
    value: bytes = b""

    @property
    def codespace(self) -> str:
        return QUERY_CODESPACE if self.code else ""


def parse_args(data: bytes) -> Mapping[str, Any]:
    """The JSON object in ``data`` (empty data: no arguments). QueryError if it is not one."""
    if not data:
        return {}
    try:
        args = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise QueryError(f"data is not JSON: {err}") from None
    if not isinstance(args, dict):
        raise QueryError("data must be a JSON object")
    return args


def answer(handlers: Mapping[str, QueryHandler], ctx: Context, path: str, data: bytes) -> QueryAnswer:
    handler = handlers.get(path)
    if handler is None:
        return QueryAnswer(code=CODE_UNKNOWN_PATH, log=f"unknown query path {path!r}")
    try:
        result = handler(ctx, parse_args(data))
    except (QueryError, KeyError, TypeError, ValueError) as err:
        # KeyError/TypeError/ValueError: arguments missing or of the wrong type.
        return QueryAnswer(code=CODE_BAD_REQUEST, log=f"{type(err).__name__}: {err}")
    return QueryAnswer(value=dumps(result))
