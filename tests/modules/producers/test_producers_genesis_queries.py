"""producers and beacon genesis sections, export, and queries."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from modules.beacon.module import BeaconModule
from modules.beacon.types import genesis_seed
from modules.core.address import to_bech32
from modules.core.errors import GenesisError
from modules.core.module import QueryError
from modules.core.store import MemoryStore
from modules.producers.genesis import STATE_KEYS
from modules.producers.keys import SMALL_ORDER_ENCODINGS, validator_address
from modules.producers.module import ProducersModule
from modules.producers.types import Params
from tests.modules.producers.por_fakes import CHAIN_ID, FakeAvailability, ctx_at, make_node


def _section(**changes: Any) -> dict[str, Any]:
    nodes = [make_node(i) for i in range(2)]
    section: dict[str, Any] = {
        "params": dataclasses.asdict(Params(epoch_length=10)),
        "founders": [{"member": to_bech32(n.member), "pub_key": n.pub_key.hex(), "power": 5} for n in nodes],
    }
    section.update(changes)
    return section


def _founder(pub_key: bytes, power: int = 1) -> dict[str, Any]:
    return {"founders": [{"member": to_bech32(bytes(20)), "pub_key": pub_key.hex(), "power": power}]}


def _module() -> tuple[ProducersModule, BeaconModule]:
    beacon = BeaconModule()
    return ProducersModule(FakeAvailability(), beacon.keeper), beacon


def test_default_genesis_is_valid_and_a_section_round_trips() -> None:
    producers, beacon = _module()
    producers.validate_genesis(producers.default_genesis())
    beacon.validate_genesis(beacon.default_genesis())
    ctx = ctx_at(MemoryStore(), 1)
    producers.init_genesis(ctx, _section())
    beacon.init_genesis(ctx, beacon.default_genesis())
    exported = producers.export_genesis(ctx)
    # params and founders as given (founders in validator address order), then the state keys
    assert {k: exported[k] for k in ("params", "founders")} == _section() | {
        "founders": sorted(_section()["founders"], key=_addr_of)
    }
    assert set(exported) == {"params", "founders", *STATE_KEYS}
    seed = genesis_seed(CHAIN_ID).hex()
    assert beacon.export_genesis(ctx) == {"seed": seed, "seed_epoch": None, "commitments": [], "mixes": []}
    producers.validate_genesis(exported)


def _addr_of(entry: dict[str, Any]) -> bytes:
    return validator_address(bytes.fromhex(entry["pub_key"]))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"params": {**dataclasses.asdict(Params()), "epoch_length": 3}}, "epoch_length"),
        ({"params": {"epoch_length": 10}}, "missing"),
        ({"extra": 1}, "unknown field"),
        ({"founders": [{"member": "bpdao1xyz", "pub_key": "00" * 32, "power": 1}]}, "member"),
        ({"founders": [{"member": to_bech32(bytes(20)), "pub_key": "AB" * 32, "power": 1}]}, "lower-case"),
        (_founder(sorted(SMALL_ORDER_ENCODINGS)[4]), "small order"),
        (_founder(make_node(1).pub_key, power=0), ">= 1"),
    ],
)
def test_bad_sections_name_the_field(change: dict[str, Any], message: str) -> None:
    producers, _ = _module()
    with pytest.raises(GenesisError, match=message):
        producers.validate_genesis(_section(**change))


def test_duplicate_founders_are_refused() -> None:
    producers, _ = _module()
    founders = _section()["founders"]
    with pytest.raises(GenesisError, match="appears twice"):
        producers.validate_genesis(_section(founders=[founders[0], founders[0]]))
    other_member = {**founders[1], "pub_key": founders[0]["pub_key"]}
    with pytest.raises(GenesisError, match="pub_key: appears twice"):
        producers.validate_genesis(_section(founders=[founders[0], other_member]))


def test_beacon_seed_section() -> None:
    _, beacon = _module()
    ctx = ctx_at(MemoryStore(), 1)
    beacon.init_genesis(ctx, {"seed": "ab" * 32})
    assert beacon.keeper.seed(ctx) == b"\xab" * 32
    for bad in ({"seed": "ab"}, {"seed": 5}, {}):
        with pytest.raises(GenesisError):
            beacon.validate_genesis(bad)


def test_queries() -> None:
    producers, beacon = _module()
    ctx = ctx_at(MemoryStore(), 7)
    producers.init_genesis(ctx, _section())
    beacon.init_genesis(ctx, beacon.default_genesis())
    q = producers.queries()
    assert q["params"](ctx, {})["epoch_length"] == 10
    validators = q["validators"](ctx, {})
    assert {v["member"] for v in validators} == {f["member"] for f in _section()["founders"]}
    assert all(v["power"] == 5 for v in validators)
    founder = _section()["founders"][0]
    key = q["consensus_key"](ctx, {"member": founder["member"]})
    assert key["pub_key"] == founder["pub_key"]
    assert q["consensus_key"](ctx, {"member": to_bech32(bytes(20))}) is None
    with pytest.raises(QueryError):
        q["consensus_key"](ctx, {"member": "nope"})
    here = {"height": 7, "epoch": 0, "offset": 6, "phase": "reveal"}
    assert q["epoch"](ctx, {}) == here | {"epoch_length": 10, "first_height": 1, "next_epoch_start": 11}
    there = {"height": 11, "epoch": 1, "offset": 0, "phase": "commit", "first_height": 11}
    assert q["epoch"](ctx, {"height": 11}) == there | {"epoch_length": 10, "next_epoch_start": 21}
    with pytest.raises(QueryError):
        q["epoch"](ctx, {"height": 0})
    assert beacon.queries()["seed"](ctx, {}) == {"seed": genesis_seed(CHAIN_ID).hex(), "epoch": None}
