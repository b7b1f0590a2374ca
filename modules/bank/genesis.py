"""bank genesis section: ``{"balances": [{"address": "bpdao1…", "amount": int}], "supply": int}``.

``supply`` must equal the sum of the balances: it is stated so that a reader of genesis.json
sees the total, and checked so that it cannot disagree with the list.
"""

from __future__ import annotations

from typing import Any

from genesis import fields
from modules.core.address import to_bech32
from modules.core.errors import GenesisError


def default_genesis() -> dict[str, Any]:
    return {"balances": [], "supply": 0}


def parse_genesis(section: Any, name: str = "bank") -> list[tuple[bytes, int]]:
    """Validate a bank section; return its balances as (address, amount) pairs, in the given order."""
    section = fields.obj(section, name, ("balances", "supply"))
    seen: dict[bytes, int] = {}
    out: list[tuple[bytes, int]] = []
    for i, entry in enumerate(fields.array(section["balances"], f"{name}.balances")):
        path = f"{name}.balances[{i}]"
        entry = fields.obj(entry, path, ("address", "amount"))
        addr = fields.address(entry["address"], f"{path}.address")
        if addr in seen:
            raise GenesisError(f"{path}.address: duplicate of {name}.balances[{seen[addr]}]")
        seen[addr] = i
        out.append((addr, fields.integer(entry["amount"], f"{path}.amount")))
    supply = fields.integer(section["supply"], f"{name}.supply")
    total = sum(amount for _, amount in out)
    if supply != total:
        raise GenesisError(f"{name}.supply: {supply} != sum of balances {total}")
    return out


def add_balance(section: dict[str, Any], address: bytes, amount: int) -> None:
    """Credit ``amount`` to ``address`` in a valid bank section, keeping ``supply`` = the sum."""
    if amount < 0:
        raise GenesisError(f"bank: cannot add a negative balance {amount}")
    # Compare canonical text (bech32 is case-insensitive), not decoded bytes: building a genesis of
    # n accounts calls this n times, and decoding every entry each time made it quadratic in decodes.
    text = to_bech32(address)
    for entry in section["balances"]:
        if entry["address"].lower() == text:
            entry["amount"] += amount
            break
    else:
        section["balances"].append({"address": text, "amount": amount})
    section["supply"] += amount


def export_balances(balances: list[tuple[bytes, int]]) -> dict[str, Any]:
    entries = [{"address": to_bech32(addr), "amount": amount} for addr, amount in balances]
    return {"balances": entries, "supply": sum(amount for _, amount in balances)}
