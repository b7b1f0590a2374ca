"""The work-contract version (docs/spec/governance.md, "Work-contract version"): a passed change to a
version this software lacks stops the node at exactly the activation height, never before, and a
node that supports it carries on from the same state."""

from __future__ import annotations

from dataclasses import replace

import pytest

from modules.core.errors import GenesisError
from modules.core.store import CacheStore
from modules.governance.errors import UnsupportedWorkContractVersion
from modules.governance.genesis import parse_genesis
from modules.governance.types import APPLIED, SCHEDULED, SUPPORTED_WORK_CONTRACT_VERSIONS
from tests.modules.governance.gov_world import ALICE, BOB, World, change


def version_2_scheduled(w: World) -> int:
    """Pass a change to work-contract version 2 through both stages; return its activation height."""
    w.propose([change("governance", "work_contract_version", 2)])
    w.stake(1, BOB, 30)
    w.block(10)
    stage2 = w.proposal().stage2_pool
    w.stake(stage2, ALICE, 60)
    w.stake(stage2, BOB, 30)
    w.block(20)
    assert w.proposal().status == SCHEDULED
    return w.proposal().activation_height


def test_this_software_supports_version_1_only() -> None:
    assert SUPPORTED_WORK_CONTRACT_VERSIONS == (1,)


def test_a_version_this_node_lacks_can_be_voted() -> None:
    w = World()
    assert version_2_scheduled(w) == 11  # proposing and passing it does not stop anyone


def test_an_unsupported_version_stops_the_node_at_exactly_the_activation_height() -> None:
    w = World()
    activation = version_2_scheduled(w)
    w.blocks_until(activation - 1)  # every block before the activation runs
    with pytest.raises(UnsupportedWorkContractVersion) as info:
        w.block()
    assert w.height == activation
    halt = info.value
    assert (halt.height, halt.version, halt.supported) == (activation, 2, (1,))
    message = str(halt)
    assert f"version 2 at height {activation}" in message and "install a release" in message


def test_the_halt_leaves_no_app_state_behind_in_an_uncommitted_block() -> None:
    w = World()
    activation = version_2_scheduled(w)
    w.blocks_until(activation - 1)
    before = dict(w.root.pending())
    block = CacheStore(w.root)  # what FinalizeBlock runs on; written to the root only at Commit
    ctx = w._context(w.ctx.block.time_ns // 10**9 + 1, activation)
    ctx = type(ctx)(root=block, block=ctx.block)
    with pytest.raises(UnsupportedWorkContractVersion):
        w.gov.begin_block(ctx)
    assert w.root.pending() == before and w.gov.keeper.work_contract_version(w.ctx) == 1


def test_a_node_that_supports_the_version_applies_it_and_carries_on() -> None:
    w = World(supported_versions=(1, 2))
    activation = version_2_scheduled(w)
    w.blocks_until(activation + 3)
    assert w.proposal().status == APPLIED
    assert w.gov.keeper.work_contract_version(w.ctx) == 2


def test_an_old_node_restarted_after_the_activation_stops_at_its_first_block() -> None:
    w = World(supported_versions=(1, 2))
    version_2_scheduled(w)
    w.blocks_until(15)
    old = World(supported_versions=(1,))
    old.root, old.ctx = w.root, w.ctx  # the old software on the upgraded chain's state
    with pytest.raises(UnsupportedWorkContractVersion) as info:
        old.block()
    assert info.value.height == 16


def test_genesis_naming_an_unsupported_version_is_refused() -> None:
    with pytest.raises(GenesisError, match="work_contract_version: 2 is not supported"):
        parse_genesis({"params": {"work_contract_version": 2}})


def test_an_unsupported_version_changed_outside_governance_still_stops_the_node() -> None:
    w = World()
    w.gov.keeper.set_params(w.ctx, replace(w.gov.keeper.params(w.ctx), work_contract_version=3))
    with pytest.raises(UnsupportedWorkContractVersion):
        w.block()
