"""reputation genesis: initial balances (counted as minted) and stake allowances.

``{"balances": [{"address": "bpdao1…", "amount": 10}], "allowances": [{"owner", "delegate", "amount"}]}``
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core.address import from_bech32, to_bech32
from modules.core.errors import GenesisError
from modules.reputation.types import Genesis, GenesisAllowance, GenesisBalance


def default_genesis() -> dict[str, Any]:
    return {"balances": [], "allowances": []}


def _address(raw: Any, where: str) -> bytes:
    if not isinstance(raw, str):
        raise GenesisError(f"{where} must be a bech32 address")
    try:
        return from_bech32(raw)
    except ValueError as e:
        raise GenesisError(f"{where}: {e}") from None


def _amount(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise GenesisError(f"{where} must be a non-negative integer")
    return raw


def _entries(section: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    raw = section.get(name, [])
    if not isinstance(raw, list) or not all(isinstance(e, Mapping) for e in raw):
        raise GenesisError(f"reputation.{name} must be a list of objects")
    return raw


def parse_genesis(section: Mapping[str, Any]) -> Genesis:
    balances: list[GenesisBalance] = []
    seen: set[bytes] = set()
    for i, entry in enumerate(_entries(section, "balances")):
        addr = _address(entry.get("address"), f"reputation.balances[{i}].address")
        if addr in seen:
            raise GenesisError(f"reputation.balances[{i}]: duplicate address")
        seen.add(addr)
        balances.append(
            GenesisBalance(addr, _amount(entry.get("amount"), f"reputation.balances[{i}].amount"))
        )
    allowances: list[GenesisAllowance] = []
    pairs: set[bytes] = set()
    for i, entry in enumerate(_entries(section, "allowances")):
        owner = _address(entry.get("owner"), f"reputation.allowances[{i}].owner")
        delegate = _address(entry.get("delegate"), f"reputation.allowances[{i}].delegate")
        if owner == delegate:
            raise GenesisError(f"reputation.allowances[{i}]: owner and delegate are the same")
        if owner + delegate in pairs:
            raise GenesisError(f"reputation.allowances[{i}]: duplicate owner/delegate pair")
        pairs.add(owner + delegate)
        amount = _amount(entry.get("amount"), f"reputation.allowances[{i}].amount")
        allowances.append(GenesisAllowance(owner, delegate, amount))
    return Genesis(balances=balances, allowances=allowances)


def export(balances: list[tuple[bytes, int]], allowances: list[tuple[bytes, bytes, int]]) -> dict[str, Any]:
    return {
        "balances": [{"address": to_bech32(a), "amount": n} for a, n in balances],
        "allowances": [
            {"owner": to_bech32(o), "delegate": to_bech32(d), "amount": n} for o, d, n in allowances
        ],
    }
