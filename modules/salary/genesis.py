"""salary genesis: empty on a new chain; an export carries the F1 index and every member's snapshot.

``{"index": int, "remainder": int, "received": int, "paid": int,
"members": [{"member": "bpdao1…", "snapshot": int, "accrued": int}]}``, every key optional (0 / []).
A REP holder of reputation's section without a member entry starts earning at ``index`` (on a new
chain, 0: from genesis). Members ascend by address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genesis import fields, records
from modules.core.errors import GenesisError
from modules.salary.types import Member, SalaryState

TOTALS = ("index", "remainder", "received", "paid")


@dataclass(frozen=True)
class GenesisMember:
    member: bytes
    snapshot: int
    accrued: int


@dataclass(frozen=True)
class SalaryGenesis:
    state: SalaryState
    members: list[tuple[bytes, Member]]


def parse_genesis(section: Any) -> SalaryGenesis:
    section = fields.obj(section, "salary", (), (*TOTALS, "members"))
    totals = {name: fields.integer(section.get(name, 0), f"salary.{name}") for name in TOTALS}
    state = SalaryState(**totals)
    if state.received == 0 and (state.index or state.remainder):
        raise GenesisError("salary.received: 0, but index or remainder is not (nothing was distributed)")
    if state.paid > state.received:
        raise GenesisError(f"salary.paid: {state.paid} > received {state.received}")
    entries = records.records(GenesisMember, section.get("members", []), "salary.members")
    for i, entry in enumerate(entries):
        if i and entry.member <= entries[i - 1].member:
            raise GenesisError(f"salary.members[{i}].member: addresses must ascend, each listed once")
        if entry.snapshot > state.index:
            raise GenesisError(f"salary.members[{i}].snapshot: {entry.snapshot} > index {state.index}")
    return SalaryGenesis(state, [(e.member, Member(e.snapshot, e.accrued)) for e in entries])


def export(state: SalaryState, members: list[tuple[bytes, Member]]) -> dict[str, Any]:
    entries = [GenesisMember(addr, m.snapshot, m.accrued) for addr, m in members]
    return {
        "index": state.index,
        "remainder": state.remainder,
        "received": state.received,
        "paid": state.paid,
        "members": records.to_genesis(entries),
    }
