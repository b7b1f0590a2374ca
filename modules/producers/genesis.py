"""producers genesis section::

    {"params": {...every Params field...},
     "founders": [{"member": "bpdao1…", "pub_key": "<64 hex>", "power": int}, …],
     ...the full-state keys of an export (all of them, or none)}

``founders`` is the validator set CometBFT starts with and must equal genesis.json's validators
(checked at InitChain, abci_app/por.py). A new chain gives no state keys: the founders' keys are
registered and they form committee 0; an empty list means genesis.json's validators become the
founders, each bound to the account of its own key.

An export (a chain restarted at ``initial_height``) also gives every key of :data:`STATE_KEYS`; the
founders are then the validator set in force at the export (the app's set once every update it
returned has applied), their keys must be among ``keys``, and the state is restored as it was:

* ``keys``: ``[ConsensusKey]`` ascending member (the validator-address index is rebuilt)
* ``schedule``: ``[EpochSegment]`` ascending start height, the first ``(1, 0, L)``, the last of
  length ``params.epoch_length``
* ``committees``: ``[CommitteeRecord]`` ascending epoch; ``slashes`` / ``liveness_removals``:
  records ascending id, below ``next_slash_id`` / ``next_liveness_id`` (member indexes rebuilt);
  ``member`` is null in a record whose validator had no registered member
* ``liveness``: ``{"seen": int, "misses": [{validator_address, missed}]}`` since the last snapshot
* ``candidates``: ``[{member, weight}]`` the snapshot of the coming selection
* ``jails``: ``[{validator_address, until_epoch}]``; ``evidence``: ``[{validator_address, height}]``
  (offences already handled); ``removals``: validator addresses to remove at the block's end
  (always empty between blocks; kept so that no key is lost)

Validator addresses are lower-case hex (CometBFT's 20 bytes), members bech32.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from genesis import fields, records
from modules.core.address import to_bech32
from modules.core.errors import GenesisError
from modules.producers.epochs import EpochSchedule, EpochSegment
from modules.producers.keys import pub_key_problem, validator_address
from modules.producers.types import (
    KIND_DUPLICATE_VOTE,
    KIND_LIGHT_CLIENT_ATTACK,
    KIND_NON_REVEAL,
    MAX_TOTAL_POWER,
    CommitteeRecord,
    ConsensusKey,
    Founder,
    LivenessRecord,
    Params,
    SlashRecord,
    Validator,
)

_PARAM_NAMES = tuple(f.name for f in dataclasses.fields(Params))
STATE_KEYS = (
    "keys",
    "schedule",
    "committees",
    "slashes",
    "next_slash_id",
    "liveness_removals",
    "next_liveness_id",
    "liveness",
    "candidates",
    "jails",
    "evidence",
    "removals",
)
ADDRESS_LEN = 20
SEED_LEN = 32
# the kinds keeper.handle_misbehavior and the non-reveal penalty write (an unknown CometBFT
# misbehaviour type n is recorded as "misbehavior_n")
_SLASH_KINDS = (KIND_DUPLICATE_VOTE, KIND_LIGHT_CLIENT_ATTACK, KIND_NON_REVEAL)


@dataclass(frozen=True)
class Miss:
    validator_address: bytes
    missed: int


@dataclass(frozen=True)
class Candidate:
    member: bytes
    weight: int


@dataclass(frozen=True)
class Jail:
    validator_address: bytes
    until_epoch: int


@dataclass(frozen=True)
class Evidence:
    validator_address: bytes
    height: int


@dataclass(frozen=True)
class FullState:
    """Everything in the store but params and the validator set (which the founders carry)."""

    keys: list[ConsensusKey]
    schedule: list[EpochSegment]
    committees: list[CommitteeRecord]
    slashes: list[SlashRecord]
    next_slash_id: int
    liveness_removals: list[LivenessRecord]
    next_liveness_id: int
    seen: int
    misses: list[Miss]
    candidates: list[Candidate]
    jails: list[Jail]
    evidence: list[Evidence]
    removals: list[bytes]


@dataclass(frozen=True)
class ProducersGenesis:
    params: Params
    founders: list[Founder]
    state: FullState | None  # None: a new chain (the founders path)


def default_genesis() -> dict[str, Any]:
    return {"params": dataclasses.asdict(Params()), "founders": []}


def founder_to_json(f: Founder) -> dict[str, Any]:
    return {"member": to_bech32(f.member), "pub_key": f.pub_key.hex(), "power": f.power}


# --- reading ----------------------------------------------------------------------------------------


def _validator_address(raw: Any, path: str) -> bytes:
    return fields.hex_bytes(raw, path, (ADDRESS_LEN,))


def _ascending(keys: list[Any], path: str, what: str) -> None:
    for i in range(1, len(keys)):
        if keys[i] <= keys[i - 1]:
            raise GenesisError(f"{path}[{i}].{what}: must ascend strictly (listed once, in store order)")


def _parse_founders(raw: Any, path: str) -> list[Founder]:
    founders: list[Founder] = []
    members: set[bytes] = set()
    keys: set[bytes] = set()
    for i, entry in enumerate(fields.array(raw, path)):
        at = f"{path}[{i}]"
        entry = fields.obj(entry, at, ("member", "pub_key", "power"))
        member = fields.address(entry["member"], f"{at}.member")
        pub_key = fields.hex_bytes(entry["pub_key"], f"{at}.pub_key", (32,))
        problem = pub_key_problem(pub_key)
        if problem:
            raise GenesisError(f"{at}.pub_key: {problem}")
        power = fields.integer(entry["power"], f"{at}.power", minimum=1)
        if member in members:
            raise GenesisError(f"{at}.member: appears twice")
        if pub_key in keys:
            raise GenesisError(f"{at}.pub_key: appears twice")
        members.add(member)
        keys.add(pub_key)
        founders.append(Founder(member, pub_key, power))
    if sum(f.power for f in founders) > MAX_TOTAL_POWER:
        raise GenesisError(f"{path}: total power exceeds MaxInt64/8")
    return founders


def parse_genesis(section: Any, name: str = "producers") -> ProducersGenesis:
    section = fields.obj(section, name, ("params", "founders"), STATE_KEYS)
    raw = fields.obj(section["params"], f"{name}.params", _PARAM_NAMES)
    params = Params(**{p: fields.integer(raw[p], f"{name}.params.{p}") for p in _PARAM_NAMES})
    problem = params.validate()
    if problem:
        raise GenesisError(f"{name}.params: {problem}")
    founders = _parse_founders(section["founders"], f"{name}.founders")
    given = [k for k in STATE_KEYS if k in section]
    if not given:
        return ProducersGenesis(params, founders, None)
    missing = [k for k in STATE_KEYS if k not in section]
    if missing:
        raise GenesisError(f"{name}.{missing[0]}: missing (an export gives all state keys, a new chain none)")
    state = _parse_state(section, name, params)
    _check_founders_registered(founders, state.keys, f"{name}.founders")
    return ProducersGenesis(params, founders, state)


def _parse_state(section: Mapping[str, Any], name: str, params: Params) -> FullState:
    keys = _parse_keys(section["keys"], f"{name}.keys")
    schedule = _parse_schedule(section["schedule"], f"{name}.schedule", params)
    committees = _parse_committees(section["committees"], f"{name}.committees")
    next_slash_id = fields.integer(section["next_slash_id"], f"{name}.next_slash_id", minimum=1)
    slashes = _member_records(SlashRecord, section["slashes"], f"{name}.slashes")
    _check_log(slashes, next_slash_id, f"{name}.slashes", "next_slash_id")
    for i, s in enumerate(slashes):
        if s.kind not in _SLASH_KINDS and not _is_other_misbehavior(s.kind):
            raise GenesisError(f"{name}.slashes[{i}].kind: {s.kind!r} is not a slash kind")
    next_liveness_id = fields.integer(section["next_liveness_id"], f"{name}.next_liveness_id", minimum=1)
    removals = _member_records(LivenessRecord, section["liveness_removals"], f"{name}.liveness_removals")
    _check_log(removals, next_liveness_id, f"{name}.liveness_removals", "next_liveness_id")
    seen, misses = _parse_liveness(section["liveness"], f"{name}.liveness")
    candidates = records.records(Candidate, section["candidates"], f"{name}.candidates")
    _ascending([c.member for c in candidates], f"{name}.candidates", "member")
    jails = records.records(Jail, section["jails"], f"{name}.jails")
    _check_addresses([j.validator_address for j in jails], f"{name}.jails")
    _ascending([j.validator_address for j in jails], f"{name}.jails", "validator_address")
    evidence = records.records(Evidence, section["evidence"], f"{name}.evidence")
    _check_addresses([e.validator_address for e in evidence], f"{name}.evidence")
    _ascending([(e.validator_address, e.height) for e in evidence], f"{name}.evidence", "height")
    pending = [
        _validator_address(r, f"{name}.removals[{i}]")
        for i, r in enumerate(fields.array(section["removals"], f"{name}.removals"))
    ]
    _ascending(pending, f"{name}.removals", "validator_address")
    return FullState(
        keys=keys,
        schedule=schedule,
        committees=committees,
        slashes=slashes,
        next_slash_id=next_slash_id,
        liveness_removals=removals,
        next_liveness_id=next_liveness_id,
        seen=seen,
        misses=misses,
        candidates=candidates,
        jails=jails,
        evidence=evidence,
        removals=pending,
    )


def _is_other_misbehavior(kind: str) -> bool:
    number = kind.removeprefix("misbehavior_")
    return number != kind and number.isdigit()


def _check_addresses(addresses: list[bytes], path: str, what: str = "validator_address") -> None:
    for i, addr in enumerate(addresses):
        if len(addr) != ADDRESS_LEN:
            raise GenesisError(f"{path}[{i}].{what}: must be {ADDRESS_LEN} bytes, got {len(addr)}")


def _check_key(pub_key: bytes, addr: bytes, path: str) -> None:
    problem = pub_key_problem(pub_key)
    if problem:
        raise GenesisError(f"{path}.pub_key: {problem}")
    if addr != validator_address(pub_key):
        raise GenesisError(f"{path}.validator_address: is not sha256(pub_key)[:20]")


def _parse_keys(raw: Any, path: str) -> list[ConsensusKey]:
    keys = records.records(ConsensusKey, raw, path)
    _ascending([k.member for k in keys], path, "member")
    seen: set[bytes] = set()
    for i, k in enumerate(keys):
        _check_key(k.pub_key, k.validator_address, f"{path}[{i}]")
        if k.validator_address in seen:
            raise GenesisError(f"{path}[{i}].pub_key: registered to another member too")
        seen.add(k.validator_address)
    return keys


def _check_founders_registered(founders: list[Founder], keys: list[ConsensusKey], path: str) -> None:
    registered = {k.member: k.pub_key for k in keys}
    for i, f in enumerate(founders):
        if registered.get(f.member) != f.pub_key:
            raise GenesisError(f"{path}[{i}]: the member's key is not among producers.keys")


def _parse_schedule(raw: Any, path: str, params: Params) -> list[EpochSegment]:
    segments = records.records(EpochSegment, raw, path)
    if not segments or (segments[0].start_height, segments[0].first_epoch) != (1, 0):
        raise GenesisError(f"{path}: must start with a segment at height 1, epoch 0")
    for i, seg in enumerate(segments):
        if seg.length < 6:
            raise GenesisError(f"{path}[{i}].length: must be >= 6")
        if i == 0:
            continue
        before = EpochSchedule(segments[:i])
        if seg.start_height <= segments[i - 1].start_height:
            raise GenesisError(f"{path}[{i}].start_height: must ascend strictly")
        at = before.position(seg.start_height)
        if at.offset != 0 or at.epoch != seg.first_epoch:
            raise GenesisError(f"{path}[{i}]: must start at an epoch boundary of the schedule before it")
    if segments[-1].length != params.epoch_length:
        raise GenesisError(f"{path}[{len(segments) - 1}].length: must equal params.epoch_length")
    return segments


def _parse_committees(raw: Any, path: str) -> list[CommitteeRecord]:
    committees = records.records(CommitteeRecord, raw, path)
    _ascending([c.epoch for c in committees], path, "epoch")
    for i, c in enumerate(committees):
        at = f"{path}[{i}]"
        if len(c.seed) not in (0, SEED_LEN):
            raise GenesisError(f"{at}.seed: must be empty or {SEED_LEN} bytes")
        _check_validators(list(c.members), f"{at}.members")
    return committees


def _check_validators(members: list[Validator], path: str) -> None:
    _ascending([v.validator_address for v in members], path, "validator_address")
    for i, v in enumerate(members):
        _check_key(v.pub_key, v.validator_address, f"{path}[{i}]")
        if v.power < 1:
            raise GenesisError(f"{path}[{i}].power: must be >= 1")
        if len(v.member) != ADDRESS_LEN:
            raise GenesisError(f"{path}[{i}].member: must be {ADDRESS_LEN} bytes")


def _check_log(
    items: Sequence[SlashRecord | LivenessRecord], next_id: int, path: str, next_name: str
) -> None:
    records.ascending_unique([r.id for r in items], path, "id")
    _check_addresses([r.validator_address for r in items], path)
    for i, r in enumerate(items):
        if not 1 <= r.id < next_id:
            raise GenesisError(f"{path}[{i}].id: {r.id} must be in [1, {next_name})")


def _parse_liveness(raw: Any, path: str) -> tuple[int, list[Miss]]:
    section = fields.obj(raw, path, ("seen", "misses"))
    seen = fields.integer(section["seen"], f"{path}.seen")
    misses = records.records(Miss, section["misses"], f"{path}.misses")
    _check_addresses([m.validator_address for m in misses], f"{path}.misses")
    _ascending([m.validator_address for m in misses], f"{path}.misses", "validator_address")
    for i, m in enumerate(misses):
        if not 1 <= m.missed <= seen:
            raise GenesisError(f"{path}.misses[{i}].missed: must be in [1, seen]")
    return seen, misses


R = TypeVar("R", SlashRecord, LivenessRecord)


def _member_records(cls: type[R], raw: Any, path: str) -> list[R]:
    """Records whose ``member`` is null when the validator had no registered member (b"")."""
    out: list[R] = []
    for i, entry in enumerate(fields.array(raw, path)):
        if isinstance(entry, Mapping) and "member" in entry and entry["member"] is None:
            # read the rest with a stand-in member, then put back the empty one
            record = records.from_genesis(cls, {**entry, "member": to_bech32(bytes(20))}, f"{path}[{i}]")
            out.append(dataclasses.replace(record, member=b""))
        else:
            out.append(records.from_genesis(cls, entry, f"{path}[{i}]"))
    return out


# --- writing ----------------------------------------------------------------------------------------


def _member_record_json(record: SlashRecord | LivenessRecord) -> Any:
    out = records.to_genesis(record)
    if not record.member:
        out["member"] = None
    return out


def _each(items: list[Any], one: Callable[[Any], Any]) -> list[Any]:
    return [one(item) for item in items]


def export(params: Params, founders: list[Founder], state: FullState) -> dict[str, Any]:
    return {
        "params": records.to_genesis(params),
        "founders": _each(founders, founder_to_json),
        "keys": records.to_genesis(state.keys),
        "schedule": records.to_genesis(state.schedule),
        "committees": records.to_genesis(state.committees),
        "slashes": _each(state.slashes, _member_record_json),
        "next_slash_id": state.next_slash_id,
        "liveness_removals": _each(state.liveness_removals, _member_record_json),
        "next_liveness_id": state.next_liveness_id,
        "liveness": {"seen": state.seen, "misses": records.to_genesis(state.misses)},
        "candidates": records.to_genesis(state.candidates),
        "jails": records.to_genesis(state.jails),
        "evidence": records.to_genesis(state.evidence),
        "removals": [addr.hex() for addr in state.removals],
    }
