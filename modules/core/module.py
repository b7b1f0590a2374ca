"""The contract every module implements (the Cosmos SDK "AppModule", in small).

A module owns its state (through its private :class:`StoreKey`), its messages (frozen
dataclasses), their handlers, its queries, its genesis section and its params. Modules
talk to each other only through the narrow ``typing.Protocol`` interfaces they declare
in their ``deps.py``; the app (abci_app/app.py) wires them together explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from modules.core.context import Context

# A message handler: (context, signer address, message) -> None; raises TxError on a broken rule.
MsgHandler = Callable[[Context, bytes, Any], None]
# A query handler: (read-only context, JSON-able arguments) -> JSON-able answer; raises
# QueryError for bad input.
QueryHandler = Callable[[Context, Mapping[str, Any]], Any]


class QueryError(ValueError):
    """A query's input is wrong or names nothing (the message says which)."""


class Module:
    """Base class with empty defaults; subclasses override what they use."""

    name: str = ""

    def default_genesis(self) -> dict[str, Any]:
        return {}

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        """Raise :class:`modules.core.errors.GenesisError` naming the bad field."""

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        pass

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return {}

    def msg_handlers(self) -> Mapping[type, MsgHandler]:
        return {}

    def queries(self) -> Mapping[str, QueryHandler]:
        return {}

    def begin_block(self, ctx: Context) -> None:
        pass

    def end_block(self, ctx: Context) -> None:
        pass
