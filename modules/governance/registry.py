"""The registry of governable params: which module's params may change, which keys, and how a change
is checked and applied (docs/spec/governance.md, "Governable params").

A module's params are a frozen dataclass it stores itself; governance never touches another module's
storage: it reads ``keeper.params(ctx)``, builds the new params, and hands them to
``keeper.set_params(ctx, new)``, which validates them exactly as at genesis.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from modules.core import codec
from modules.core.context import Context
from modules.core.errors import TxError
from modules.governance.deps import ParamsKeeper
from modules.governance.errors import ERR_INVALID_VALUE, ERR_UNKNOWN_KEY, ERR_UNKNOWN_MODULE
from modules.governance.types import ParamChange

# A value is a small JSON text (a number, a bool, a rational object). The bound also keeps the JSON
# parser's nesting far below Python's recursion limit whatever the call depth (so no input can raise
# a RecursionError in one node and not another).
MAX_VALUE_JSON_BYTES = 256

# (params now, params proposed) -> why the transition is not allowed, or None. For rules that compare
# old and new values (e.g. a version that may only increase); per-value rules belong in set_params.
TransitionCheck = Callable[[Any, Any], str | None]

# What a module's set_params raises for unusable params.
SET_PARAMS_ERRORS = (TxError, ValueError, TypeError)


@dataclass(frozen=True)
class ParamSpace:
    module: str
    keeper: ParamsKeeper
    keys: tuple[str, ...] | None  # None: every field of the module's params
    check: TransitionCheck | None


def _reject_float(text: str) -> Any:
    raise ValueError(f"{text} is not an integer (state holds no floats)")


def _reject_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def parse_value(value_json: str) -> Any:
    """The JSON value of a change; raises ERR_INVALID_VALUE (floats, NaN, trailing text, too long)."""
    if len(value_json.encode()) > MAX_VALUE_JSON_BYTES:
        raise ERR_INVALID_VALUE(f"value longer than {MAX_VALUE_JSON_BYTES} bytes")
    try:
        return json.loads(value_json, parse_float=_reject_float, parse_constant=_reject_constant)
    except ValueError as e:  # json.JSONDecodeError is a ValueError
        raise ERR_INVALID_VALUE(f"{value_json!r}: {e}") from None


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class ParamRegistry:
    """Filled at wiring time; read-only afterwards."""

    def __init__(self) -> None:
        self._spaces: dict[str, ParamSpace] = {}

    def register(
        self,
        module: str,
        keeper: ParamsKeeper,
        *,
        keys: Sequence[str] | None = None,
        check: TransitionCheck | None = None,
    ) -> None:
        """Make ``module``'s params governable (all keys, or only ``keys``)."""
        assert module and module not in self._spaces, f"params of {module!r} registered twice"
        self._spaces[module] = ParamSpace(module, keeper, None if keys is None else tuple(keys), check)

    def modules(self) -> list[str]:
        return sorted(self._spaces)

    def current(self, ctx: Context, module: str) -> Any:
        return self._space(module).keeper.params(ctx)

    def keys(self, ctx: Context, module: str) -> list[str]:
        space = self._space(module)
        return _governable_keys(space, space.keeper.params(ctx))

    def _space(self, module: str) -> ParamSpace:
        space = self._spaces.get(module)
        if space is None:
            raise ERR_UNKNOWN_MODULE(repr(module))
        return space

    def validate(self, ctx: Context, changes: Sequence[ParamChange]) -> tuple[ParamChange, ...]:
        """Check every change against the params as they are now, writing nothing.

        Returns the changes with canonical values. Raises ERR_UNKNOWN_MODULE / ERR_UNKNOWN_KEY /
        ERR_INVALID_VALUE."""
        out: list[ParamChange] = []
        for module, group in _by_module(changes):
            space = self._space(module)
            new = _updated(ctx, space, group)
            trial = ctx.branch()  # set_params' own validation, on a branch that is dropped
            try:
                space.keeper.set_params(trial, new)
            except SET_PARAMS_ERRORS as e:
                raise ERR_INVALID_VALUE(f"{module}: {_reason(e)}") from None
            out.extend(ParamChange(c.module, c.key, canonical(parse_value(c.value_json))) for c in group)
        return tuple(sorted(out, key=lambda c: (c.module, c.key)))

    def apply(self, ctx: Context, changes: Sequence[ParamChange]) -> None:
        """Write every change, module by module in name order, on top of the params as they are now.

        Raises (TxError, ValueError, TypeError) if a change is no longer valid: the caller runs this
        in a branch and drops it, so a proposal applies entirely or not at all."""
        for module, group in _by_module(changes):
            space = self._space(module)
            space.keeper.set_params(ctx, _updated(ctx, space, group))


def _by_module(changes: Sequence[ParamChange]) -> list[tuple[str, list[ParamChange]]]:
    groups: dict[str, list[ParamChange]] = {}
    for change in changes:
        groups.setdefault(change.module, []).append(change)
    return sorted(groups.items())


def _governable_keys(space: ParamSpace, params: Any) -> list[str]:
    fields = [f.name for f in dataclasses.fields(params)]
    return sorted(fields if space.keys is None else [k for k in space.keys if k in fields])


def _updated(ctx: Context, space: ParamSpace, changes: Sequence[ParamChange]) -> Any:
    """The module's params now with ``changes`` applied; the value of each changed key must be exactly
    representable (same JSON after decoding: no unknown sub-field, no bool for an int)."""
    current = space.keeper.params(ctx)
    allowed = _governable_keys(space, current)
    raw = codec.to_json(current)
    values = {}
    for change in changes:
        if change.key not in allowed:
            raise ERR_UNKNOWN_KEY(f"{space.module}.{change.key}")
        values[change.key] = raw[change.key] = parse_value(change.value_json)
    try:
        new = codec.from_json(type(current), raw)
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        raise ERR_INVALID_VALUE(f"{space.module}: {e}") from None
    decoded = codec.to_json(new)
    for key, value in values.items():
        if decoded[key] != value:
            raise ERR_INVALID_VALUE(f"{space.module}.{key}: {canonical(value)} is not a value of this key")
    if space.check is not None:
        problem = space.check(current, new)
        if problem:
            raise ERR_INVALID_VALUE(f"{space.module}: {problem}")
    return new


def _reason(e: Exception) -> str:
    return e.message if isinstance(e, TxError) else str(e)
