"""availability genesis: params and every stake, held from the first block::

    {"params": {...},
     "stakes": [{"owner": "bpdao1…", "kind": "block_production", "amount": 500, "duration_s": 31536000}, …],
     "next_stake_id": 2}

A stake's end is either ``duration_s`` seconds after the genesis time or an absolute ``end_ns``.
An export writes the full records: ``id``, ``start_ns``, ``end_ns`` and ``assigned`` (stakes assigned
to work), and ``next_stake_id``; a new chain may leave those out (ids 1, 2, … in list order, start at
the genesis time, unassigned). A stake's REP is locked by reputation's genesis (``encumbered`` of the
owner's balance, loaded first), as for every module's stakes; availability checks that it covers
the owner's stakes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from genesis import fields
from modules.availability.types import Params, Stake, kind_problem
from modules.availability.weights import TREE_SIZE
from modules.core.address import to_bech32
from modules.core.errors import GenesisError

NAME = "availability"
_PARAM_NAMES = tuple(f.name for f in dataclasses.fields(Params))
SECOND_NS = 10**9


@dataclass(frozen=True)
class GenesisStake:
    path: str  # where it was read, for the errors found when it is loaded
    id: int
    owner: bytes
    kind: str
    amount: int
    duration_s: int | None  # exactly one of duration_s (from the genesis time) and end_ns is set
    end_ns: int | None
    start_ns: int | None  # None: the genesis time
    assigned: bool

    def record(self, genesis_time_ns: int) -> Stake:
        start = genesis_time_ns if self.start_ns is None else self.start_ns
        end = self.end_ns if self.end_ns is not None else genesis_time_ns + (self.duration_s or 0) * SECOND_NS
        return Stake(self.id, self.owner, self.kind, self.amount, start, end, self.assigned)


@dataclass(frozen=True)
class AvailabilityGenesis:
    params: Params
    stakes: list[GenesisStake]
    next_stake_id: int


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


def _stake(entry: Any, path: str, params: Params, default_id: int) -> GenesisStake:
    optional = ("duration_s", "end_ns", "id", "start_ns", "assigned")
    entry = fields.obj(entry, path, ("owner", "kind", "amount"), optional)
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
    stake_id = default_id
    if "id" in entry:
        stake_id = fields.integer(entry["id"], f"{path}.id", minimum=1, maximum=TREE_SIZE)
    start_ns = fields.integer(entry["start_ns"], f"{path}.start_ns") if "start_ns" in entry else None
    assigned = entry.get("assigned", False)
    if not isinstance(assigned, bool):
        raise GenesisError(f"{path}.assigned: must be true or false, got {assigned!r}")
    return GenesisStake(path, stake_id, owner, kind, amount, duration_s, end_ns, start_ns, assigned)


def parse_genesis(section: Any) -> AvailabilityGenesis:
    """The section, checked on its own (whether reputation backs the stakes is checked at load)."""
    section = fields.obj(section, NAME, (), ("params", "stakes", "next_stake_id"))
    params = _params(section.get("params", {}))
    stakes: list[GenesisStake] = []
    merge_targets: dict[tuple[bytes, str], str] = {}
    for i, entry in enumerate(fields.array(section.get("stakes", []), f"{NAME}.stakes")):
        path = f"{NAME}.stakes[{i}]"
        stake = _stake(entry, path, params, default_id=stakes[-1].id + 1 if stakes else 1)
        if stakes and stake.id <= stakes[-1].id:
            raise GenesisError(f"{path}.id: ids must ascend ({stake.id} after {stakes[-1].id})")
        if not stake.assigned:
            # one unassigned stake per member and kind (the merge rule of MsgStakeAvailability)
            first = merge_targets.setdefault((stake.owner, stake.kind), path)
            if first != path:
                raise GenesisError(f"{path}: a second unassigned stake of this owner and kind ({first})")
        stakes.append(stake)
    last_id = stakes[-1].id if stakes else 0
    next_id = last_id + 1
    if "next_stake_id" in section:
        # (ids above TREE_SIZE have no place in the selection index: modules/availability/weights.py)
        next_id = fields.integer(
            section["next_stake_id"], f"{NAME}.next_stake_id", minimum=last_id + 1, maximum=TREE_SIZE + 1
        )
    return AvailabilityGenesis(params, stakes, next_id)


def export(params: Params, stakes: list[Stake], next_stake_id: int) -> dict[str, Any]:
    return {
        "params": dataclasses.asdict(params),
        "stakes": [
            {
                "id": s.id,
                "owner": to_bech32(s.owner),
                "kind": s.kind,
                "amount": s.amount,
                "start_ns": s.start_ns,
                "end_ns": s.end_ns,
                "assigned": s.assigned,
            }
            for s in stakes
        ],
        "next_stake_id": next_stake_id,
    }
