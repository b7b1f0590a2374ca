"""validation_pool genesis: params and, from an export, every pool with its stakes.

``{"params": {...}, "pools": [{"pool": Pool, "initial_end_ns": int, "stakes": [PoolStake]}],
"next_pool_id": int}``; all but ``params`` optional (a new chain has no pools). A pool keeps the
params copied at its initiation; ``initial_end_ns`` is the end it was opened with (its record as
initiated), ``pool.end_ns`` the end now (earlier once all REP has voted). Open pools are scheduled
again at ``pool.end_ns``; the escrow holds their fees in bank's section.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genesis import fields, records
from modules.core.errors import GenesisError
from modules.core.module import parse_params
from modules.validation_pool.types import ACCEPTED, EXPIRED, OPEN, REJECTED, Params, Pool, PoolStake

STATE_KEYS = ("pools", "next_pool_id")
STATUSES = (OPEN, ACCEPTED, REJECTED, EXPIRED)


@dataclass(frozen=True)
class GenesisPool:
    pool: Pool
    initial_end_ns: int
    stakes: tuple[PoolStake, ...]


@dataclass(frozen=True)
class PoolsGenesis:
    params: Params
    pools: list[GenesisPool]
    next_pool_id: int


def _check_pool(entry: GenesisPool, path: str) -> None:
    pool = entry.pool
    if pool.status not in STATUSES:
        raise GenesisError(f"{path}.pool.status: {pool.status!r} is not one of {', '.join(STATUSES)}")
    if (problem := pool.params.validate()) is not None:
        raise GenesisError(f"{path}.pool.params: {problem}")
    if pool.fee <= 0:
        raise GenesisError(f"{path}.pool.fee: must be > 0")
    if not pool.start_ns <= pool.end_ns <= entry.initial_end_ns:
        raise GenesisError(f"{path}.pool.end_ns: need start_ns <= end_ns <= initial_end_ns")
    if pool.status == OPEN and pool.quorum_met:
        raise GenesisError(f"{path}.pool.quorum_met: an open pool has no result yet")
    seen: set[tuple[bytes, bool]] = set()
    for i, stake in enumerate(entry.stakes):
        if stake.amount <= 0:
            raise GenesisError(f"{path}.stakes[{i}].amount: must be > 0")
        if (stake.staker, stake.in_favor) in seen:
            raise GenesisError(f"{path}.stakes[{i}]: a second stake of this staker on this side")
        seen.add((stake.staker, stake.in_favor))
    for side, total in ((True, pool.total_for), (False, pool.total_against)):
        staked = sum(s.amount for s in entry.stakes if s.in_favor == side)
        if staked != total:
            name = "total_for" if side else "total_against"
            raise GenesisError(f"{path}.pool.{name}: {total} != the sum of its stakes {staked}")


def parse_genesis(section: Any) -> PoolsGenesis:
    section = fields.obj(section, "validation_pool", (), ("params", *STATE_KEYS))
    params = parse_params("validation_pool", Params, section)
    pools = records.records(GenesisPool, section.get("pools", []), "validation_pool.pools")
    records.ascending_unique([p.pool.id for p in pools], "validation_pool.pools", "pool.id")
    next_pool_id = fields.integer(section.get("next_pool_id", 1), "validation_pool.next_pool_id", minimum=1)
    for i, entry in enumerate(pools):
        path = f"validation_pool.pools[{i}]"
        if not 0 < entry.pool.id < next_pool_id:
            raise GenesisError(f"{path}.pool.id: {entry.pool.id} must be in [1, next_pool_id)")
        _check_pool(entry, path)
    return PoolsGenesis(params, pools, next_pool_id)


def export(params: Params, pools: list[GenesisPool], next_pool_id: int) -> dict[str, Any]:
    return {
        "params": records.to_genesis(params),
        "pools": records.to_genesis(pools),
        "next_pool_id": next_pool_id,
    }
