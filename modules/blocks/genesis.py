"""blocks genesis: params and, from an export, the block records, the cursor, the verdicts of open
windows and the authors of open block pools.

``{"params": {...}, "blocks": [BlockRecord], "cursor": int, "verdicts": [VerdictRecord],
"pool_authors": [PoolAuthor]}``; all but ``params`` optional. The blocks account (bank's ``blocks``)
holds the fees + tax of the records still pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genesis import fields, records
from modules.blocks.types import VERDICTS, BlockRecord, Params, PoolAuthor, Status, VerdictRecord
from modules.core.errors import GenesisError
from modules.core.module import parse_params

STATE_KEYS = ("blocks", "cursor", "verdicts", "pool_authors")
STATUSES = tuple(v for k, v in vars(Status).items() if k.isupper())
HASH_LEN = 32


@dataclass(frozen=True)
class BlocksGenesis:
    params: Params
    blocks: list[BlockRecord]
    cursor: int
    verdicts: list[VerdictRecord]
    pool_authors: list[PoolAuthor]


def _check_record(record: BlockRecord, path: str) -> None:
    if record.status not in STATUSES:
        raise GenesisError(f"{path}.status: {record.status!r} is not one of {', '.join(STATUSES)}")
    if (record.proposer is None) != (record.status == Status.NO_PROPOSER):
        raise GenesisError(f"{path}.proposer: null exactly when the status is {Status.NO_PROPOSER}")
    if record.hash and len(record.hash) != HASH_LEN:
        raise GenesisError(f"{path}.hash: must be empty or {HASH_LEN} bytes")
    if (record.pool_id is not None) != (record.status == Status.POOLED):
        raise GenesisError(f"{path}.pool_id: set exactly when the status is {Status.POOLED}")
    if (record.post_id is not None) != (record.status in (Status.POOLED, Status.NO_FEE)):
        raise GenesisError(f"{path}.post_id: set exactly when the block was posted")


def parse_genesis(section: Any) -> BlocksGenesis:
    section = fields.obj(section, "blocks", (), ("params", *STATE_KEYS))
    params = parse_params("blocks", Params, section)
    blocks = records.records(BlockRecord, section.get("blocks", []), "blocks.blocks")
    records.ascending_unique([r.height for r in blocks], "blocks.blocks", "height")
    for i, record in enumerate(blocks):
        _check_record(record, f"blocks.blocks[{i}]")
    cursor = fields.integer(section.get("cursor", 0), "blocks.cursor", minimum=0)
    pending = {r.height for r in blocks if r.status == Status.PENDING}
    if pending and min(pending) < cursor:
        raise GenesisError(f"blocks.cursor: {cursor} is past the pending block {min(pending)}")
    verdicts = records.records(VerdictRecord, section.get("verdicts", []), "blocks.verdicts")
    seen: set[tuple[int, bytes]] = set()
    for i, v in enumerate(verdicts):
        path = f"blocks.verdicts[{i}]"
        if v.verdict not in VERDICTS:
            raise GenesisError(f"{path}.verdict: must be one of {VERDICTS}")
        if v.height not in pending:
            raise GenesisError(f"{path}.height: {v.height} is not a pending block")
        if (v.height, v.member) in seen:
            raise GenesisError(f"{path}: a second verdict of the member on block {v.height}")
        seen.add((v.height, v.member))
    authors = records.records(PoolAuthor, section.get("pool_authors", []), "blocks.pool_authors")
    records.ascending_unique([a.pool_id for a in authors], "blocks.pool_authors", "pool_id")
    return BlocksGenesis(params, blocks, cursor, verdicts, authors)


def export(
    params: Params,
    blocks: list[BlockRecord],
    cursor: int,
    verdicts: list[VerdictRecord],
    authors: list[PoolAuthor],
) -> dict[str, Any]:
    return {
        "params": records.to_genesis(params),
        "blocks": records.to_genesis(blocks),
        "cursor": cursor,
        "verdicts": records.to_genesis(verdicts),
        "pool_authors": records.to_genesis(authors),
    }
