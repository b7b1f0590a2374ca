"""Which modules the app runs, in which order, and how messages and queries reach them.

Explicit on purpose (no registry, no discovery): the order of ``default_modules()`` is the
order of genesis, begin_block and end_block hooks, and it is part of consensus.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from abci_app.execution import AnteHandler, TxCodec
from modules.core.context import Context
from modules.core.module import Module, MsgHandler, QueryHandler

# Names the app keeps for itself: its own state prefix and query paths.
RESERVED_NAMES = frozenset({"app"})


@runtime_checkable
class AnteProvider(Protocol):
    """The module that authenticates accounts and charges fees (``auth``)."""

    def ante(self, ctx: Context, pub_key: bytes, nonce: int, fee: int) -> None: ...


@dataclass(frozen=True)
class Wiring:
    modules: tuple[Module, ...]
    ante: AnteHandler
    msg_router: Mapping[type, MsgHandler]
    queries: Mapping[str, QueryHandler]  # "/<module>/<name>" -> handler


def wire(modules: Sequence[Module]) -> Wiring:
    """Check the module list and build the routers. ValueError names what is wrong."""
    names: set[str] = set()
    router: dict[type, MsgHandler] = {}
    queries: dict[str, QueryHandler] = {}
    ante_providers: list[AnteProvider] = []
    for module in modules:
        if not module.name or module.name in RESERVED_NAMES or "/" in module.name:
            raise ValueError(f"invalid module name {module.name!r}")
        if module.name in names:
            raise ValueError(f"module {module.name!r} is wired twice")
        names.add(module.name)
        for msg_type, handler in module.msg_handlers().items():
            if msg_type in router:
                raise ValueError(f"{msg_type.__name__} has handlers in two modules")
            router[msg_type] = handler
        for query_name, query in module.queries().items():
            queries[f"/{module.name}/{query_name}"] = query
        if isinstance(module, AnteProvider):
            ante_providers.append(module)
    if len(ante_providers) != 1:
        raise ValueError(f"exactly one module must provide ante(), found {len(ante_providers)}")
    return Wiring(modules=tuple(modules), ante=ante_providers[0].ante, msg_router=router, queries=queries)


def default_modules() -> list[Module]:
    """The production module list, in hook order."""
    raise NotImplementedError("auth and bank are not on main yet")


def default_codec() -> TxCodec:
    """The production tx codec (``abci_app.txcodec``)."""
    raise NotImplementedError("txcodec is not on main yet")
