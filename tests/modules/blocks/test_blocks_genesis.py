"""blocks genesis: an export of a running chain's blocks state loads back byte for byte; broken
sections are refused by field; the blocks account must hold the pending blocks' fees and tax."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modules.blocks.module import STORE_KEY
from modules.blocks.types import VERDICT_AGAINST, VERDICT_FOR, Params
from modules.core.context import Context
from modules.core.errors import GenesisError
from tests.modules.blocks.blocks_world import ALICE, BOB, CAROL, STRANGER, VAL, World


def _running() -> World:
    """Posted windows, a pending window with verdicts, open pools, a block without a proposer."""
    w = World(Params(rollup_blocks=3))
    for proposer, fees in ((VAL[ALICE], 3), (STRANGER, 4), (VAL[BOB], 0), (VAL[ALICE], 5), (VAL[CAROL], 1)):
        w.block(proposer, fees=fees, verdicts=[(BOB, VERDICT_FOR), (CAROL, VERDICT_AGAINST)])
    return w


def _store(w: World, ctx: Context) -> list[tuple[bytes, bytes]]:
    return list(ctx.store(STORE_KEY).iterate(b"", None))


def test_an_export_loads_back_byte_for_byte() -> None:
    w = _running()
    section = json.loads(json.dumps(w.blocks.export_genesis(w.ctx)))
    assert section["verdicts"] and section["pool_authors"] and section["cursor"] == 4
    assert [b["status"] for b in section["blocks"]] == [
        "pooled",
        "no_proposer",
        "pooled",
        "pending",
        "pending",
    ]
    assert section["blocks"][1]["proposer"] is None
    fresh = World(Params(rollup_blocks=3))
    balance = w.bank.balance(w.ctx, w.account)
    fresh.bank.mint(fresh.ctx, fresh.account, balance)  # bank's section comes first
    fresh.blocks.validate_genesis(section)
    fresh.blocks.init_genesis(fresh.ctx, section)
    assert _store(fresh, fresh.ctx) == _store(w, w.ctx)
    assert fresh.blocks.export_genesis(fresh.ctx) == section


def test_the_blocks_account_must_hold_the_pending_fees_and_tax() -> None:
    w = _running()
    section = json.loads(json.dumps(w.blocks.export_genesis(w.ctx)))
    fresh = World(Params(rollup_blocks=3))
    with pytest.raises(GenesisError, match=r"blocks\.blocks: pending blocks' fees and tax total"):
        fresh.blocks.init_genesis(fresh.ctx, section)


def _broken(change: Any) -> dict[str, Any]:
    section: dict[str, Any] = json.loads(json.dumps(_running().blocks.export_genesis(_running().ctx)))
    change(section)
    return section


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["blocks"][0].update(status="lost"), r"blocks.blocks\[0\].status"),
        (
            lambda s: s["blocks"][1].update(proposer=s["blocks"][0]["proposer"]),
            r"blocks.blocks\[1\].proposer",
        ),
        (lambda s: s["blocks"][3].update(pool_id=9), r"blocks.blocks\[3\].pool_id"),
        (lambda s: s["blocks"].reverse(), "blocks.blocks"),
        (lambda s: s.update(cursor=5), "blocks.cursor"),
        (lambda s: s["verdicts"][0].update(verdict=0), r"blocks.verdicts\[0\].verdict"),
        (lambda s: s["verdicts"][0].update(height=1), r"blocks.verdicts\[0\].height"),
        (lambda s: s.update(extra=1), "blocks"),
    ],
)
def test_broken_sections_are_refused_by_field(change: Any, message: str) -> None:
    with pytest.raises(GenesisError, match=message):
        World().blocks.validate_genesis(_broken(change))
