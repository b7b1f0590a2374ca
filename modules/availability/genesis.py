"""availability genesis: params and the stakes members hold from the first block::

    {"params": {...},
     "stakes": [{"owner": "bpdao1…", "kind": "block_production", "amount": 500, "duration_s": 31536000}, …]}

A stake's end is either ``duration_s`` seconds after the genesis time or an absolute ``end_ns``
(block time in ns; export writes this form). Each stake encumbers ``amount`` of the owner's genesis
REP (the reputation section loads first), so the owner must hold that much free REP.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from genesis import fields
from modules.availability.types import Params, Stake, kind_problem
from modules.core.address import to_bech32
from modules.core.errors import GenesisError

NAME = "availability"
_PARAM_NAMES = tuple(f.name for f in dataclasses.fields(Params))


@dataclass(frozen=True)
class GenesisStake:
    path: str  # where it was read, for the errors found when it is loaded
    owner: bytes
    kind: str
    amount: int
    duration_s: int | None  # one of duration_s (from the genesis time) and end_ns is set
    end_ns: int | None

    def end_at(self, genesis_time_ns: int) -> int:
        if self.end_ns is not None:
            return self.end_ns
        assert self.duration_s is not None
        return genesis_time_ns + self.duration_s * 10**9


@dataclass(frozen=True)
class AvailabilityGenesis:
    params: Params
    stakes: list[GenesisStake]


def default_genesis() -> dict[str, Any]:
    return {"params": dataclasses.asdict(Params()), "stakes": []}


def _params(raw: Any) -> Params:
    raw = fields.obj(raw, f"{NAME}.params", (), _PARAM_NAMES)
    values = {p: fields.integer(raw[p], f"{NAME}.params.{p}", minimum=None) for p in raw}
    params = dataclasses.replace(Params(), **values)
    problem = params.validate()
    if problem:
        raise GenesisError(f"{NAME}.params: {problem}")
    return params


def _stake(entry: Any, path: str, params: Params) -> GenesisStake:
    entry = fields.obj(entry, path, ("owner", "kind", "amount"), ("duration_s", "end_ns"))
    owner = fields.address(entry["owner"], f"{path}.owner")
    kind = fields.string(entry["kind"], f"{path}.kind")
    problem = kind_problem(kind)
    if problem:
        raise GenesisError(f"{path}.kind: {problem}")
    amount = fields.integer(entry["amount"], f"{path}.amount", minimum=params.min_stake)
    if ("duration_s" in entry) == ("end_ns" in entry):
        raise GenesisError(f"{path}: give exactly one of duration_s and end_ns")
    duration_s = end_ns = None
    if "duration_s" in entry:
        duration_s = fields.integer(entry["duration_s"], f"{path}.duration_s", 1, params.max_duration_s)
    else:
        end_ns = fields.integer(entry["end_ns"], f"{path}.end_ns", minimum=1)
    return GenesisStake(path, owner, kind, amount, duration_s, end_ns)


def parse_genesis(section: Any) -> AvailabilityGenesis:
    """The section, checked on its own (what needs the REP balances is checked when it loads)."""
    section = fields.obj(section, NAME, (), ("params", "stakes"))
    params = _params(section.get("params", {}))
    stakes: list[GenesisStake] = []
    seen: dict[tuple[bytes, str], int] = {}
    for i, entry in enumerate(fields.array(section.get("stakes", []), f"{NAME}.stakes")):
        stake = _stake(entry, f"{NAME}.stakes[{i}]", params)
        first = seen.setdefault((stake.owner, stake.kind), i)
        if first != i:
            # one unassigned stake per member and kind (the merge rule of MsgStakeAvailability)
            raise GenesisError(f"{stake.path}: same owner and kind as {NAME}.stakes[{first}]")
        stakes.append(stake)
    return AvailabilityGenesis(params, stakes)


def export(params: Params, stakes: list[Stake]) -> dict[str, Any]:
    return {
        "params": dataclasses.asdict(params),
        "stakes": [
            {"owner": to_bech32(s.owner), "kind": s.kind, "amount": s.amount, "end_ns": s.end_ns}
            for s in stakes
        ],
    }
