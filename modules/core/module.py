"""The contract every module implements (the Cosmos SDK "AppModule", in small).

A module owns its state (through its private :class:`StoreKey`), its messages (frozen
dataclasses), their handlers, its queries, its genesis section and its params. Modules
talk to each other only through the narrow ``typing.Protocol`` interfaces they declare
in their ``deps.py``; the app (abci_app/app.py) wires them together explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from modules.core import codec
from modules.core.context import Context
from modules.core.errors import GenesisError

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

    def replayable_msgs(self) -> frozenset[type]:
        """Messages whose handlers are replayable: they reach state only through the context's
        stores, never read ``ctx.block`` and keep nothing in memory, so what one run did
        (modules/core/replay.py) may stand in for running them again (abci_app/execution.py).
        Reading the block or iterating is caught at run time; memory of their own is not."""
        return frozenset()

    def queries(self) -> Mapping[str, QueryHandler]:
        return {}

    def begin_block(self, ctx: Context) -> None:
        pass

    def end_block(self, ctx: Context) -> None:
        pass


class Params(Protocol):
    def validate(self) -> str | None:
        """The first broken rule, or None."""
        ...


P = TypeVar("P", bound=Params)


class ParamsKeeper(Protocol):
    def params(self, ctx: Context) -> Any: ...
    def set_params(self, ctx: Context, params: Any) -> None: ...


def parse_params(module: str, params_type: type[P], section: Mapping[str, Any]) -> P:
    """The section's ``params`` object over the defaults of ``params_type``, validated.

    Raises :class:`GenesisError` naming ``<module>.params`` and what is wrong.
    """
    raw = section.get("params", {})
    if not isinstance(raw, Mapping):
        raise GenesisError(f"{module}.params must be an object")
    try:
        params = codec.from_json(params_type, {**codec.to_json(params_type()), **raw})
    except (TypeError, KeyError, ValueError, AttributeError) as e:
        raise GenesisError(f"{module}.params: {e}") from None
    problem = params.validate()
    if problem:
        raise GenesisError(f"{module}.params: {problem}")
    return params


class ParamsGenesis(Module):
    """A module whose genesis section is its params only: ``{"params": {...}}`` (missing fields take
    the defaults); init stores them through the keeper, export reads them back."""

    params_type: type[Params]
    keeper: ParamsKeeper

    def parse_params(self, section: Mapping[str, Any]) -> Params:
        return parse_params(self.name, self.params_type, section)

    def default_genesis(self) -> dict[str, Any]:
        return {"params": codec.to_json(self.params_type())}

    def validate_genesis(self, section: Mapping[str, Any]) -> None:
        self.parse_params(section)

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        self.keeper.set_params(ctx, self.parse_params(section))

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        return {"params": codec.to_json(self.keeper.params(ctx))}
