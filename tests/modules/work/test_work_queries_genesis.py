"""work queries and genesis."""

from __future__ import annotations

import pytest

from modules.core.address import to_bech32
from modules.core.errors import GenesisError
from modules.core.module import QueryError
from modules.work.types import MsgRequestWork, Params, Status
from tests.modules.work.work_world import CLIENT, DAY, DETAILS, EXPERT, World


def test_request_queries() -> None:
    w = World()
    w.send(CLIENT, MsgRequestWork("block_production", 300, DETAILS, DAY))
    q = w.work.queries()
    view = w.ctx.read_only()
    answer = q["request"](view, {"id": 1})
    assert (answer["client"], answer["expert"], answer["status"]) == (
        to_bech32(CLIENT),
        to_bech32(EXPERT),
        Status.ASSIGNED,
    )
    assert answer["details_hash"] == DETAILS.hex() and answer["pool_id"] is None
    assert q["requests_by_client"](view, {"client": to_bech32(CLIENT)})["request_ids"] == [1]
    assert q["requests_by_expert"](view, {"expert": to_bech32(EXPERT)})["request_ids"] == [1]
    assert q["requests_by_expert"](view, {"expert": to_bech32(CLIENT)})["request_ids"] == []
    assert q["params"](view, {})["verdict_window_s"] == DAY
    with pytest.raises(QueryError):
        q["request"](view, {"id": 2})


def test_genesis_params() -> None:
    w = World()
    w.work.init_genesis(w.ctx, {"params": {"verdict_window_s": 60}})
    assert w.work.keeper.params(w.ctx) == Params(verdict_window_s=60)
    with pytest.raises(GenesisError, match=r"work\.params"):
        w.work.validate_genesis({"params": {"max_deadline_s": 0}})
    for bad in (0, 65):
        with pytest.raises(GenesisError, match=r"max_wait_epochs must be in \[1, 64\]"):
            w.work.validate_genesis({"params": {"max_wait_epochs": bad}})
