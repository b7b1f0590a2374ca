"""Build, validate, load and export the app_state of CometBFT's genesis.json, for any modules.

Shape: ``{"chain_id": "<chain id>", "<module name>": {section}, ...}`` with one section per
module (each module's ``default_genesis`` / ``validate_genesis`` / ``init_genesis`` /
``export_genesis``). Every error is a :class:`GenesisError` whose message starts with the field path.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from modules.core.context import BlockInfo, Context
from modules.core.errors import GenesisError, TxError
from modules.core.module import Module
from modules.core.store import MemoryStore

CHAIN_ID = "chain_id"


def _names(modules: Sequence[Module]) -> list[str]:
    names = [m.name for m in modules]
    for name in names:
        if not name or name == CHAIN_ID or names.count(name) > 1:
            raise GenesisError(f"module name {name!r} is empty, reserved or used twice")
    return names


def _merge(base: Any, override: Any, path: str) -> Any:
    """Objects merge key by key (an unknown key is an error); anything else is replaced."""
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        out = dict(base)
        for key, value in override.items():
            if key not in base:
                raise GenesisError(f"{path}.{key}: unknown field")
            out[key] = _merge(base[key], value, f"{path}.{key}")
        return out
    return copy.deepcopy(override)


def build_app_state(modules: Sequence[Module], overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every module's default section, with ``overrides`` merged in (``{"chain_id": …, "auth": {…}}``).

    The result is validated section by section; call :func:`validate_app_state` for the chain id.
    """
    names = _names(modules)
    overrides = dict(overrides or {})
    app_state: dict[str, Any] = {CHAIN_ID: overrides.pop(CHAIN_ID, "")}
    for key in sorted(k for k in overrides if k not in names):
        raise GenesisError(f"{key}: unknown section (modules: {', '.join(names)})")
    for module in modules:
        section = module.default_genesis()
        if module.name in overrides:
            section = _merge(section, overrides[module.name], module.name)
        app_state[module.name] = section
    for module in modules:
        module.validate_genesis(app_state[module.name])
    return app_state


def validate_app_state(modules: Sequence[Module], app_state: Any, chain_id: str) -> None:
    """Raise GenesisError unless ``app_state`` is a complete, valid app_state for ``chain_id``."""
    names = _names(modules)
    if not isinstance(app_state, Mapping):
        raise GenesisError("app_state: must be an object")
    if CHAIN_ID not in app_state:
        raise GenesisError("chain_id: missing")
    if app_state[CHAIN_ID] != chain_id:
        raise GenesisError(f"chain_id: {app_state[CHAIN_ID]!r} != the genesis chain id {chain_id!r}")
    for key in sorted(k for k in app_state if k != CHAIN_ID and k not in names):
        raise GenesisError(f"{key}: unknown section (modules: {', '.join(names)})")
    for module in modules:
        if module.name not in app_state:
            raise GenesisError(f"{module.name}: missing section")
        module.validate_genesis(app_state[module.name])


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise GenesisError(f"{key}: duplicate key in JSON object")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise GenesisError(f"{name} is not a JSON number")


def parse_app_state(raw: bytes) -> Any:
    """The app_state bytes of InitChain -> JSON value (strict: no duplicate keys, NaN or Infinity)."""
    try:
        return json.loads(raw, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise GenesisError(f"app_state: not JSON: {exc}") from None


def init_app_state(modules: Sequence[Module], ctx: Context, app_state: Any, chain_id: str) -> None:
    """Validate everything first, then load each section in wiring order."""
    validate_app_state(modules, app_state, chain_id)
    for module in modules:
        module.init_genesis(ctx, app_state[module.name])


def dry_run_init(modules: Sequence[Module], app_state: Any, chain_id: str, genesis_time_ns: int = 0) -> None:
    """Load ``app_state`` into a throw-away store: finds, before any node starts, the errors that
    span sections (e.g. a stake of more REP than its owner holds) as InitChain would."""
    ctx = Context(root=MemoryStore(), block=BlockInfo(height=0, time_ns=genesis_time_ns, chain_id=chain_id))
    try:
        init_app_state(modules, ctx, app_state, chain_id)
    except GenesisError:
        raise
    except (TxError, ValueError) as exc:  # a keeper's own check refused a value
        raise GenesisError(f"app_state does not load: {exc}") from None


def export_app_state(modules: Sequence[Module], ctx: Context, chain_id: str) -> dict[str, Any]:
    app_state: dict[str, Any] = {CHAIN_ID: chain_id}
    for module in modules:
        app_state[module.name] = module.export_genesis(ctx)
    return app_state


def write_into_genesis_file(path: Path, app_state: Mapping[str, Any]) -> None:
    """Put ``app_state`` into a CometBFT genesis.json (made by ``cometbft init``), keeping all else."""
    doc = json.loads(path.read_text())
    if doc.get("chain_id") != app_state.get(CHAIN_ID):
        raise GenesisError(
            f"chain_id: {app_state.get(CHAIN_ID)!r} != {path}'s chain_id {doc.get('chain_id')!r}"
        )
    doc["app_state"] = app_state
    path.write_text(json.dumps(doc, indent=2) + "\n")
