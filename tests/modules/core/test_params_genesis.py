"""modules/core/module.py: the params-only genesis shared by availability, forum, work, validation_pool
and governance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from modules.core.collections import Item, json_value
from modules.core.context import BlockInfo, Context
from modules.core.errors import GenesisError
from modules.core.module import ParamsGenesis, parse_params
from modules.core.store import MemoryStore, StoreKey

KEY = StoreKey("demo")


@dataclass(frozen=True)
class DemoParams:
    window: int = 10
    label: str = "x"

    def validate(self) -> str | None:
        return None if self.window > 0 else "window must be positive"


class DemoKeeper:
    def __init__(self) -> None:
        self._params = Item(KEY, b"params", json_value(DemoParams), DemoParams())

    def params(self, ctx: Context) -> Any:
        return self._params.get(ctx)

    def set_params(self, ctx: Context, params: Any) -> None:
        self._params.set(ctx, params)


class DemoModule(ParamsGenesis):
    name = "demo"
    params_type = DemoParams

    def __init__(self) -> None:
        self.keeper = DemoKeeper()


def new_ctx() -> Context:
    return Context(root=MemoryStore(), block=BlockInfo(height=1, time_ns=0, chain_id="t"))


def test_missing_fields_take_the_defaults() -> None:
    assert parse_params("demo", DemoParams, {}) == DemoParams()
    assert parse_params("demo", DemoParams, {"params": {"window": 3}}) == DemoParams(window=3)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"params": []}, "demo.params must be an object"),
        ({"params": {"window": "3"}}, "demo.params: expected int"),
        ({"params": {"window": 0}}, "demo.params: window must be positive"),
    ],
)
def test_bad_params_raise_a_genesis_error_naming_the_module(section: dict[str, Any], message: str) -> None:
    with pytest.raises(GenesisError, match=message):
        parse_params("demo", DemoParams, section)
    with pytest.raises(GenesisError, match=message):
        DemoModule().validate_genesis(section)


def test_init_stores_the_params_and_export_reads_them_back() -> None:
    module, ctx = DemoModule(), new_ctx()
    assert module.default_genesis() == {"params": {"window": 10, "label": "x"}}
    module.init_genesis(ctx, {"params": {"label": "y"}})
    assert module.keeper.params(ctx) == DemoParams(label="y")
    assert module.export_genesis(ctx) == {"params": {"window": 10, "label": "y"}}
    assert ctx.store(KEY).get(b"params") == b'{"label":"y","window":10}'
