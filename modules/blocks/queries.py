"""blocks queries (path ``/blocks/<name>``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.blocks.keeper import BlocksKeeper
from modules.blocks.types import VERDICT_AGAINST, BlockRecord
from modules.core import codec
from modules.core.address import to_bech32
from modules.core.context import Context
from modules.core.module import QueryError
from modules.core.query_args import int_arg

MAX_WINDOW = 1000  # blocks per /blocks/window answer


def block_json(keeper: BlocksKeeper, ctx: Context, record: BlockRecord) -> dict[str, Any]:
    verdicts = keeper.verdicts(ctx, record.height)
    return {
        **codec.to_json(record),
        "proposer": to_bech32(record.proposer) if record.proposer else "",
        "verdicts": [
            {"member": to_bech32(m), "verdict": "against" if v == VERDICT_AGAINST else "for"}
            for m, v in verdicts
        ],
    }


def query_params(keeper: BlocksKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return codec.to_json(keeper.params(ctx))


def query_block(keeper: BlocksKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """One block's record (fees, tax, proposer, post and pool); its verdicts while its window is open."""
    height = int_arg(args, "height")
    record = keeper.block(ctx, height)
    if record is None:
        raise QueryError(f"no record of block {height}")
    return block_json(keeper, ctx, record)


def query_window(keeper: BlocksKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """Records of heights ``from`` .. ``to`` (at most MAX_WINDOW blocks)."""
    first, last = int_arg(args, "from"), int_arg(args, "to")
    if last < first or last - first >= MAX_WINDOW:
        raise QueryError(f"need from <= to and at most {MAX_WINDOW} blocks")
    return {"blocks": [block_json(keeper, ctx, r) for r in keeper.blocks_between(ctx, first, last)]}
