"""Event indexing: which attributes this node's CometBFT indexes (abci_app/events.py, app.toml)."""

from __future__ import annotations

import pytest

from abci_app.events import IDENTITY_KEYS, EventIndexing, add_events, indexed_keys
from abci_app.node import AppConfig, HomeError
from abci_app.pb.tendermint.abci import types_pb2 as abci
from modules.core.context import Event

TRANSFER = Event("transfer", (("sender", "bpdao1a"), ("recipient", "bpdao1b"), ("amount", "5")))
POOL = Event("pool.resolve", (("id", "7"), ("status", "won"), ("minted", "10")))


def _flags(indexing: EventIndexing) -> list[list[tuple[str, str, bool]]]:
    result = abci.ExecTxResult()
    add_events(result.events, [TRANSFER, POOL], indexed_keys(indexing))
    return [[(a.key, a.value, a.index) for a in e.attributes] for e in result.events]


def test_identities_index_who_and_which_object_not_amounts_or_outcomes() -> None:
    assert _flags(EventIndexing.IDENTITIES) == [
        [("sender", "bpdao1a", True), ("recipient", "bpdao1b", True), ("amount", "5", False)],
        [("id", "7", True), ("status", "won", False), ("minted", "10", False)],
    ]


@pytest.mark.parametrize(("indexing", "flag"), [(EventIndexing.ALL, True), (EventIndexing.NONE, False)])
def test_all_and_none_flag_every_attribute_alike(indexing: EventIndexing, flag: bool) -> None:
    flags = _flags(indexing)
    assert [[key for key, _, _ in event] for event in flags] == [
        ["sender", "recipient", "amount"],
        ["id", "status", "minted"],
    ]
    assert {index for event in flags for _, _, index in event} == {flag}


def test_identity_keys_name_accounts_and_objects_only() -> None:
    assert {"sender", "recipient", "id", "pool_id", "post_id"} <= IDENTITY_KEYS
    assert not {"amount", "fee", "burned", "minted", "reason", "error", "content_hash"} & IDENTITY_KEYS


def test_app_toml_defaults_to_identities_and_refuses_an_unknown_mode() -> None:
    config = AppConfig.from_toml('chain_id = "c"\n')
    assert EventIndexing(config.index_events) is EventIndexing.IDENTITIES
    assert AppConfig.from_toml(AppConfig(chain_id="c", index_events="all").to_toml()).index_events == "all"
    with pytest.raises(HomeError, match="index_events must be one of identities, all, none"):
        AppConfig.from_toml('chain_id = "c"\nindex_events = "some"\n')
