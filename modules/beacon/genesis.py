"""beacon genesis section::

    {"seed": "<64 hex>" or "",
     "seed_epoch": int or null, "commitments": [Commitment], "mixes": [Mix]}

``seed`` empty: derived from the chain id (a new chain). The other keys come from an export (all of
them, or none): the epoch whose finalization made the seed (null: none yet), and the open rounds'
commitments (ascending epoch, validator address; ``revealed`` once the secret was mixed in) and
mix accumulators (one per epoch with a reveal). Finalized epochs hold nothing, so every listed
epoch is after ``seed_epoch``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genesis import fields, records
from modules.core.errors import GenesisError

STATE_KEYS = ("seed_epoch", "commitments", "mixes")
ADDRESS_LEN = 20
HASH_LEN = 32


@dataclass(frozen=True)
class Commitment:
    epoch: int
    validator_address: bytes
    commitment: bytes
    revealed: bool


@dataclass(frozen=True)
class Mix:
    epoch: int
    mix: bytes  # XOR of the epoch's mix terms so far


@dataclass(frozen=True)
class BeaconState:
    seed_epoch: int | None
    commitments: list[Commitment]
    mixes: list[Mix]


@dataclass(frozen=True)
class BeaconGenesis:
    seed: bytes | None  # None: derived from the chain id
    state: BeaconState | None  # None: a new chain


def default_genesis() -> dict[str, Any]:
    return {"seed": ""}


def parse_genesis(section: Any) -> BeaconGenesis:
    section = fields.obj(section, "beacon", ("seed",), STATE_KEYS)
    seed = fields.hex_bytes(section["seed"], "beacon.seed", (0, HASH_LEN)) or None
    if not any(k in section for k in STATE_KEYS):
        return BeaconGenesis(seed, None)
    for key in STATE_KEYS:
        if key not in section:
            raise GenesisError(f"beacon.{key}: missing (an export gives all state keys, a new chain none)")
    raw_epoch = section["seed_epoch"]
    seed_epoch = None if raw_epoch is None else fields.integer(raw_epoch, "beacon.seed_epoch")
    commitments = records.records(Commitment, section["commitments"], "beacon.commitments")
    mixes = records.records(Mix, section["mixes"], "beacon.mixes")
    _check(seed_epoch, commitments, mixes)
    return BeaconGenesis(seed, BeaconState(seed_epoch, commitments, mixes))


def _check(seed_epoch: int | None, commitments: list[Commitment], mixes: list[Mix]) -> None:
    first_open = 0 if seed_epoch is None else seed_epoch + 1
    order = [(c.epoch, c.validator_address) for c in commitments]
    for i, c in enumerate(commitments):
        path = f"beacon.commitments[{i}]"
        if c.epoch < first_open:
            raise GenesisError(f"{path}.epoch: {c.epoch} is finalized (seed_epoch {seed_epoch})")
        if len(c.validator_address) != ADDRESS_LEN:
            raise GenesisError(f"{path}.validator_address: must be {ADDRESS_LEN} bytes")
        if len(c.commitment) != HASH_LEN:
            raise GenesisError(f"{path}.commitment: must be {HASH_LEN} bytes")
        if i and order[i] <= order[i - 1]:
            raise GenesisError(f"{path}: must ascend strictly by (epoch, validator_address)")
    records.ascending_unique([m.epoch for m in mixes], "beacon.mixes", "epoch")
    revealed = sorted({c.epoch for c in commitments if c.revealed})
    for i, m in enumerate(mixes):
        if len(m.mix) != HASH_LEN:
            raise GenesisError(f"beacon.mixes[{i}].mix: must be {HASH_LEN} bytes")
    if [m.epoch for m in mixes] != revealed:
        raise GenesisError(f"beacon.mixes: one per epoch with a revealed commitment ({revealed})")


def export(seed: bytes, state: BeaconState) -> dict[str, Any]:
    return {
        "seed": seed.hex(),
        "seed_epoch": state.seed_epoch,
        "commitments": records.to_genesis(state.commitments),
        "mixes": records.to_genesis(state.mixes),
    }
