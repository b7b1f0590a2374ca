"""beacon's genesis section: a new chain's seed (given or derived), and an export's full state (the
seed's epoch, the open rounds' commitments, reveals and mixes) restored byte for byte; every broken
field is refused by name."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest

from modules.beacon.module import BeaconModule
from modules.beacon.types import COMMIT, REVEAL, TAG_COMMIT, TAG_REVEAL, Extension, commitment, genesis_seed
from modules.core.context import BlockInfo, Context
from modules.core.errors import GenesisError
from modules.core.store import MemoryStore, prefix_end
from tests.modules.section_edits import Section, edit, swap_first_two

CHAIN = "beacon-genesis"
A, B, C = b"\x0a" * 20, b"\x0b" * 20, b"\x0c" * 20


def _ctx(store: MemoryStore) -> Context:
    return Context(root=store, block=BlockInfo(height=30, time_ns=0, chain_id=CHAIN))


def _items(store: MemoryStore) -> list[tuple[bytes, bytes]]:
    return list(store.iterate(b"beacon/", prefix_end(b"beacon/")))


def _secret(addr: bytes, epoch: int) -> bytes:
    return bytes([addr[0], epoch]) * 16


def _open_rounds() -> tuple[BeaconModule, MemoryStore]:
    """Epoch 2 finalized; epoch 3: A and B committed and revealed, C committed only; epoch 4: A
    committed (a round gathered while the previous one still waits, e.g. after a schedule change)."""
    beacon = BeaconModule()
    store = MemoryStore()
    ctx = _ctx(store)
    k = beacon.keeper
    beacon.init_genesis(ctx, {"seed": ""})
    for epoch in (2, 3):
        for addr in (A, B, C):
            k.record(ctx, epoch, COMMIT, addr, Extension(TAG_COMMIT, commitment(_secret(addr, epoch))))
        for addr in (A, B) if epoch == 3 else (A,):
            k.record(ctx, epoch, REVEAL, addr, Extension(TAG_REVEAL, _secret(addr, epoch)))
        if epoch == 2:
            k.finalize(ctx, 2)
    k.record(ctx, 4, COMMIT, A, Extension(TAG_COMMIT, commitment(_secret(A, 4))))
    return beacon, store


def _import(section: Section) -> tuple[BeaconModule, MemoryStore]:
    beacon, store = BeaconModule(), MemoryStore()
    beacon.init_genesis(_ctx(store), json.loads(json.dumps(section)))
    return beacon, store


def test_open_rounds_are_exported_and_restored_byte_for_byte() -> None:
    beacon, store = _open_rounds()
    section = beacon.export_genesis(_ctx(store))
    assert section["seed_epoch"] == 2
    assert [(c["epoch"], c["revealed"]) for c in section["commitments"]] == [
        (3, True),
        (3, True),
        (3, False),
        (4, False),
    ]
    assert [m["epoch"] for m in section["mixes"]] == [3]
    imported, restored = _import(section)
    assert _items(restored) == _items(store)
    assert imported.export_genesis(_ctx(restored)) == section


def test_a_new_chain_s_seed_is_given_or_derived() -> None:
    derived, store = _import({"seed": ""})
    assert derived.keeper.seed(_ctx(store)) == genesis_seed(CHAIN)
    assert derived.export_genesis(_ctx(store)) == {
        "seed": genesis_seed(CHAIN).hex(),
        "seed_epoch": None,
        "commitments": [],
        "mixes": [],
    }
    given, store = _import({"seed": "ab" * 32})
    assert given.keeper.seed(_ctx(store)) == bytes([0xAB]) * 32
    assert _items(store) == [(b"beacon/seed", bytes([0xAB]) * 32)]  # nothing else for a new chain


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("mixes"), r"beacon\.mixes: missing"),
        (edit("seed", "ab"), r"beacon\.seed: must be 0 or 32 bytes"),
        (edit("seed_epoch", -1), r"beacon\.seed_epoch: must be >= 0"),
        (edit("seed_epoch", 3), r"beacon\.commitments\[0\]\.epoch: 3 is finalized"),
        (
            edit("commitments.0.validator_address", "0a"),
            r"beacon\.commitments\[0\]\.validator_address: must be",
        ),
        (edit("commitments.0.commitment", "00"), r"beacon\.commitments\[0\]\.commitment: must be 32 bytes"),
        (edit("commitments.0.revealed", "yes"), r"beacon\.commitments\[0\]\.revealed: must be true or false"),
        (swap_first_two("commitments"), r"beacon\.commitments\[1\]: must ascend strictly"),
        (edit("commitments.3.revealed", True), r"beacon\.mixes: one per epoch with a revealed commitment"),
        (edit("mixes", []), r"beacon\.mixes: one per epoch with a revealed commitment"),
        (edit("mixes.0.mix", "00"), r"beacon\.mixes\[0\]\.mix: must be 32 bytes"),
        (edit("mixes.0.epoch", "3"), r"beacon\.mixes\[0\]\.epoch: must be an integer"),
        (edit("extra", 1), r"beacon\.extra: unknown field"),
    ],
)
def test_a_broken_field_is_named(change: Callable[[Section], None], message: str) -> None:
    beacon, store = _open_rounds()
    section = copy.deepcopy(beacon.export_genesis(_ctx(store)))
    change(section)
    with pytest.raises(GenesisError, match=message):
        beacon.validate_genesis(section)
