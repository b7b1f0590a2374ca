"""Commit-reveal rules, the seed, and node-local secrets."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from modules.beacon.keeper import BeaconKeeper
from modules.beacon.secret import derive_secret, load_or_create_node_seed
from modules.beacon.types import (
    COMMIT,
    QUIET,
    REVEAL,
    TAG_COMMIT,
    TAG_REVEAL,
    Extension,
    Phase,
    commitment,
    decode_extension,
    encode_extension,
    genesis_seed,
)
from modules.core.context import BlockInfo, Context
from modules.core.store import MemoryStore, StoreKey

A, B, C = b"\x0a" * 20, b"\x0b" * 20, b"\x0c" * 20


def _ctx(store: MemoryStore) -> Context:
    return Context(root=store, block=BlockInfo(height=5, time_ns=0, chain_id="beacon-test"))


def _keeper() -> tuple[BeaconKeeper, Context]:
    k = BeaconKeeper(StoreKey("beacon"))
    ctx = _ctx(MemoryStore())
    k.init_genesis(ctx, None)
    return k, ctx


def _commit(k: BeaconKeeper, ctx: Context, addr: bytes, secret: bytes, epoch: int = 0) -> str:
    return k.record(ctx, epoch, COMMIT, addr, Extension(TAG_COMMIT, commitment(secret)))


def _reveal(k: BeaconKeeper, ctx: Context, addr: bytes, secret: bytes, epoch: int = 0) -> str:
    return k.record(ctx, epoch, REVEAL, addr, Extension(TAG_REVEAL, secret))


def test_extension_payload_round_trip_and_phase_rules() -> None:
    secret = bytes(range(32))
    c = encode_extension(COMMIT, secret)
    r = encode_extension(REVEAL, secret)
    assert c == bytes([TAG_COMMIT]) + commitment(secret) and len(c) == 33
    assert r == bytes([TAG_REVEAL]) + secret
    assert encode_extension(QUIET, secret) == b"" and encode_extension(COMMIT, None) == b""
    assert decode_extension(COMMIT, c) == Extension(TAG_COMMIT, commitment(secret))
    assert decode_extension(REVEAL, r) == Extension(TAG_REVEAL, secret)
    assert decode_extension(QUIET, b"") is None and decode_extension(REVEAL, b"") is None
    bad: list[tuple[Phase, bytes]] = [
        (REVEAL, c),
        (COMMIT, r),
        (QUIET, c),
        (COMMIT, c + b"x"),
        (COMMIT, c[:10]),
    ]
    for phase, data in bad:
        with pytest.raises(ValueError):
            decode_extension(phase, data)


def test_first_commitment_wins_and_only_its_secret_reveals() -> None:
    k, ctx = _keeper()
    s1, s2 = b"\x01" * 32, b"\x02" * 32
    assert _commit(k, ctx, A, s1) == "committed"
    assert _commit(k, ctx, A, s2) == "already_committed"
    assert _reveal(k, ctx, A, s2) == "wrong_secret"
    assert _reveal(k, ctx, A, s1) == "revealed"
    assert _reveal(k, ctx, A, s1) == "already_revealed"
    assert _reveal(k, ctx, B, s1) == "no_commitment"
    # a reveal in the commit phase or a commitment in the reveal phase does nothing
    assert k.record(ctx, 0, COMMIT, B, Extension(TAG_REVEAL, s1)) == "wrong_phase"
    assert k.record(ctx, 0, REVEAL, B, Extension(TAG_COMMIT, commitment(s1))) == "wrong_phase"
    assert k.record(ctx, 0, REVEAL, B, None) == "empty"
    assert k.committers(ctx, 0) == [A]


def test_finalize_lists_withholders_and_clears_the_epoch() -> None:
    k, ctx = _keeper()
    for addr, s in ((A, b"\x01" * 32), (B, b"\x02" * 32), (C, b"\x03" * 32)):
        _commit(k, ctx, addr, s)
    _reveal(k, ctx, A, b"\x01" * 32)
    _reveal(k, ctx, C, b"\x03" * 32)
    out = k.finalize(ctx, 0)
    assert out.revealed == [A, C] and out.withheld == [B]
    assert k.committers(ctx, 0) == [] and not k.has_revealed(ctx, 0, A)
    assert k.seed(ctx) == out.seed and k.seed_epoch(ctx) == 0


def test_seed_depends_on_every_reveal_but_not_on_their_order() -> None:
    secrets = {A: b"\x01" * 32, B: b"\x02" * 32, C: b"\x03" * 32}

    def run(order: list[bytes], revealers: list[bytes]) -> bytes:
        k, ctx = _keeper()
        for addr in order:
            _commit(k, ctx, addr, secrets[addr])
        for addr in revealers:
            _reveal(k, ctx, addr, secrets[addr])
        return k.finalize(ctx, 0).seed

    full = run([A, B, C], [A, B, C])
    assert run([C, A, B], [B, C, A]) == full
    assert run([A, B, C], [A, B]) != full  # withholding one reveal changes the seed (1 bit of choice)
    assert run([A, B, C], [A, C]) != run([A, B, C], [A, B])


def test_two_members_revealing_the_same_secret_do_not_cancel() -> None:
    s = b"\x09" * 32
    k, ctx = _keeper()
    _commit(k, ctx, A, s)
    _commit(k, ctx, B, s)
    _reveal(k, ctx, A, s)
    _reveal(k, ctx, B, s)
    both = k.finalize(ctx, 0).seed
    k2, ctx2 = _keeper()
    assert k2.finalize(ctx2, 0).seed != both


def test_seed_chain_starts_from_the_chain_id_and_moves_every_epoch() -> None:
    k, ctx = _keeper()
    assert k.seed(ctx) == genesis_seed("beacon-test")
    s0 = k.finalize(ctx, 0).seed
    s1 = k.finalize(ctx, 1).seed
    assert len({genesis_seed("beacon-test"), s0, s1}) == 3


def test_node_secret_is_deterministic_and_per_epoch_and_chain() -> None:
    seed = b"\x11" * 32
    assert derive_secret(seed, "c", 3) == derive_secret(seed, "c", 3)
    assert derive_secret(seed, "c", 3) != derive_secret(seed, "c", 4)
    assert derive_secret(seed, "c", 3) != derive_secret(seed, "d", 3)
    assert derive_secret(b"\x12" * 32, "c", 3) != derive_secret(seed, "c", 3)
    with pytest.raises(ValueError):
        derive_secret(b"short", "c", 3)


def test_node_seed_file_is_created_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "config" / "beacon_seed"
    first = load_or_create_node_seed(path)
    assert len(first) == 32 and path.read_bytes() == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_or_create_node_seed(path) == first  # a restart reveals what it committed to
    path.write_bytes(b"short")
    with pytest.raises(ValueError):
        load_or_create_node_seed(path)
