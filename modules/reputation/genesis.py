"""reputation genesis: balances, their encumbered part, stake allowances and the burned total.

``{"balances": [{"address": "bpdao1…", "amount": 10, "encumbered": 4}],
"allowances": [{"owner", "delegate", "amount"}], "burned": 0}``

``encumbered`` (default 0, at most ``amount``) is REP locked by stakes of other modules; an export
carries it so that open stakes stay backed. ``burned`` (default 0) is REP ever destroyed: the supply
record after import is ``minted = Σ amount + burned``, ``burned``, so ``minted - burned`` is the sum.
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
        for key in sorted(k for k in entry if k not in ("address", "amount", "encumbered")):
            raise GenesisError(f"reputation.balances[{i}].{key}: unknown field")
        amount = _amount(entry.get("amount"), f"reputation.balances[{i}].amount")
        encumbered = _amount(entry.get("encumbered", 0), f"reputation.balances[{i}].encumbered")
        if encumbered > amount:
            raise GenesisError(f"reputation.balances[{i}].encumbered: {encumbered} > amount {amount}")
        balances.append(GenesisBalance(addr, amount, encumbered))
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
    for key in sorted(k for k in section if k not in ("balances", "allowances", "burned")):
        raise GenesisError(f"reputation.{key}: unknown field")
    burned = _amount(section.get("burned", 0), "reputation.burned")
    return Genesis(balances=balances, allowances=allowances, burned=burned)


def export(
    balances: list[tuple[bytes, int, int]], allowances: list[tuple[bytes, bytes, int]], burned: int
) -> dict[str, Any]:
    """``balances``: (address, balance, encumbered) in address order."""
    return {
        "balances": [{"address": to_bech32(a), "amount": n, "encumbered": e} for a, n, e in balances],
        "allowances": [
            {"owner": to_bech32(o), "delegate": to_bech32(d), "amount": n} for o, d, n in allowances
        ],
        "burned": burned,
    }
