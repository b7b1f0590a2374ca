"""beacon keeper: commit-reveal randomness carried in vote extensions (docs/spec/por.md, "Beacon").

State (private; keys under the module's StoreKey):

    b"seed"                 -> the latest seed (32 bytes)
    b"seed_epoch"           -> u64: the epoch whose finalization produced it (absent at genesis)
    b"c" + u64(e) + addr    -> commitment of validator ``addr`` for epoch e (32 bytes)
    b"r" + u64(e) + addr    -> b"" once ``addr`` revealed for epoch e
    b"a" + u64(e)           -> XOR of the epoch's mix terms (32 bytes)

Per-block cost is O(votes in the block); finalizing an epoch is O(committers of that epoch).
"""

from __future__ import annotations

from modules.beacon.genesis import BeaconState, Commitment, Mix
from modules.beacon.types import (
    COMMIT,
    REVEAL,
    TAG_COMMIT,
    TAG_REVEAL,
    EpochOutcome,
    Extension,
    Phase,
    commitment,
    genesis_seed,
    mix_term,
    next_seed,
    xor32,
)
from modules.core import codec
from modules.core.context import Context
from modules.core.store import KVStore, StoreKey, prefix_end

_SEED = b"seed"
_SEED_EPOCH = b"seed_epoch"
_COMMITS = b"c"
_REVEALS = b"r"
_ACC = b"a"
_ZERO = bytes(32)


class BeaconKeeper:
    def __init__(self, key: StoreKey) -> None:
        self._key = key

    def _s(self, ctx: Context) -> KVStore:
        return ctx.store(self._key)

    # --- genesis ----------------------------------------------------------------------------------
    def init_genesis(self, ctx: Context, seed: bytes | None) -> None:
        self._s(ctx).set(_SEED, seed if seed is not None else genesis_seed(ctx.block.chain_id))

    def export_state(self, ctx: Context) -> BeaconState:
        """The seed's epoch and the open rounds' commitments, reveals and mixes (store order)."""
        s = self._s(ctx)
        n = len(_COMMITS)
        commitments = []
        for key, value in s.iterate(_COMMITS, prefix_end(_COMMITS)):
            epoch_and_addr = key[n:]  # u64(epoch) + validator address, as under _REVEALS
            revealed = s.get(_REVEALS + epoch_and_addr) is not None
            epoch, addr = codec.read_u64(epoch_and_addr[:8]), epoch_and_addr[8:]
            commitments.append(Commitment(epoch, addr, value, revealed))
        entries = s.iterate(_ACC, prefix_end(_ACC))
        mixes = [Mix(codec.read_u64(k[len(_ACC) :]), v) for k, v in entries]
        return BeaconState(self.seed_epoch(ctx), commitments, mixes)

    def restore_state(self, ctx: Context, seed: bytes | None, state: BeaconState) -> None:
        """Genesis from an export: the store as :meth:`export_state` (and ``seed``) read it."""
        self.init_genesis(ctx, seed)
        s = self._s(ctx)
        if state.seed_epoch is not None:
            s.set(_SEED_EPOCH, codec.u64(state.seed_epoch))
        for c in state.commitments:
            e = codec.u64(c.epoch)
            s.set(_COMMITS + e + c.validator_address, c.commitment)
            if c.revealed:
                s.set(_REVEALS + e + c.validator_address, b"")
        for m in state.mixes:
            s.set(_ACC + codec.u64(m.epoch), m.mix)

    # --- reads ------------------------------------------------------------------------------------
    def seed(self, ctx: Context) -> bytes:
        raw = self._s(ctx).get(_SEED)
        return raw if raw is not None else genesis_seed(ctx.block.chain_id)

    def seed_epoch(self, ctx: Context) -> int | None:
        raw = self._s(ctx).get(_SEED_EPOCH)
        return None if raw is None else codec.read_u64(raw)

    def commitment_of(self, ctx: Context, epoch: int, validator_address: bytes) -> bytes | None:
        return self._s(ctx).get(_COMMITS + codec.u64(epoch) + validator_address)

    def has_revealed(self, ctx: Context, epoch: int, validator_address: bytes) -> bool:
        return self._s(ctx).get(_REVEALS + codec.u64(epoch) + validator_address) is not None

    def committers(self, ctx: Context, epoch: int) -> list[bytes]:
        prefix = _COMMITS + codec.u64(epoch)
        return [k[len(prefix) :] for k, _ in self._s(ctx).iterate(prefix, prefix_end(prefix))]

    # --- the per-vote rule ------------------------------------------------------------------------
    def record(
        self, ctx: Context, epoch: int, phase: Phase, validator_address: bytes, ext: Extension | None
    ) -> str:
        """Apply one verified vote extension of a committee member, signed in ``epoch``/``phase``.

        Commit phase: the first commitment a member shows is kept (later ones are ignored, so a
        member cannot change its mind after seeing others). Reveal phase: a secret matching the
        member's commitment is mixed in once. Returns what happened, for events and tests.
        """
        if ext is None:
            return "empty"
        s = self._s(ctx)
        e = codec.u64(epoch)
        if phase == COMMIT and ext.tag == TAG_COMMIT:
            key = _COMMITS + e + validator_address
            if s.get(key) is not None:
                return "already_committed"
            s.set(key, ext.value)
            return "committed"
        if phase == REVEAL and ext.tag == TAG_REVEAL:
            committed = s.get(_COMMITS + e + validator_address)
            if committed is None:
                return "no_commitment"
            reveal_key = _REVEALS + e + validator_address
            if s.get(reveal_key) is not None:
                return "already_revealed"
            if commitment(ext.value) != committed:
                return "wrong_secret"
            s.set(reveal_key, b"")
            acc = s.get(_ACC + e) or _ZERO
            s.set(_ACC + e, xor32(acc, mix_term(validator_address, ext.value)))
            return "revealed"
        return "wrong_phase"

    # --- end of an epoch ------------------------------------------------------------------------
    def finalize(self, ctx: Context, epoch: int) -> EpochOutcome:
        """Fold epoch ``epoch``'s reveals into the seed, list who withheld, clear the epoch."""
        s = self._s(ctx)
        e = codec.u64(epoch)
        revealed: list[bytes] = []
        withheld: list[bytes] = []
        for addr in self.committers(ctx, epoch):
            (revealed if s.get(_REVEALS + e + addr) is not None else withheld).append(addr)
        for prefix in (_COMMITS + e, _REVEALS + e):
            for key in [k for k, _ in s.iterate(prefix, prefix_end(prefix))]:
                s.delete(key)
        acc = s.get(_ACC + e) or _ZERO
        s.delete(_ACC + e)
        seed = next_seed(self.seed(ctx), epoch, acc)
        s.set(_SEED, seed)
        s.set(_SEED_EPOCH, e)
        ctx.emit(
            "beacon.finalize", epoch=epoch, revealed=len(revealed), withheld=len(withheld), seed=seed.hex()
        )
        return EpochOutcome(epoch, seed, revealed, withheld)
