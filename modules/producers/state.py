"""producers' storage layout (private to the module).

b"params"                         -> Params
b"k" + member                     -> ConsensusKey
b"v" + validator_address          -> member (20 bytes)
b"set" + validator_address        -> Validator: CometBFT's set once every update we returned applies
b"rm" + validator_address         -> b"": remove from the set at this block's end (misbehaviour)
b"miss" + validator_address       -> misses counted since the last selection
b"seen"                           -> commits counted since the last selection
b"jail" + validator_address       -> u64: left out of selections for epochs < this
b"ev" + validator_address + u64(h) -> b"": evidence for an offence at height h already handled
b"cand" + member                  -> the member's candidate weight, snapshotted at the end of the
                                     commit phase for the coming selection
b"sched/" + u64(start_height)      -> EpochSegment (genesis: one; one more per voted epoch_length)
b"committee/" + u64(epoch)        -> CommitteeRecord (pruned after history_epochs)
b"slash/" + u64(id)               -> SlashRecord; b"slash_by/" + member + u64(id) -> b"" (index)
b"liveness/" + u64(id)            -> LivenessRecord; b"liveness_by/" + member + u64(id) -> b""
b"next_slash", b"next_liveness"   -> the next record ids (from 1)

New prefixes end in "/" so no prefix above is a prefix of another's keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar

from modules.core import codec
from modules.core.collections import Map, Sequence, json_value
from modules.core.context import Context
from modules.core.store import KVStore, StoreKey, prefix_end
from modules.producers.epochs import EpochSegment
from modules.producers.types import (
    CommitteeRecord,
    ConsensusKey,
    LivenessRecord,
    Params,
    SlashRecord,
    Validator,
)

_PARAMS = b"params"
_KEY = b"k"
_BY_VALIDATOR = b"v"
_SET = b"set"
_REMOVE = b"rm"
_MISS = b"miss"
_SEEN = b"seen"
_JAIL = b"jail"
_EVIDENCE = b"ev"
_CANDIDATE = b"cand"


def _keys_under(s: KVStore, prefix: bytes) -> list[bytes]:
    return [k for k, _ in s.iterate(prefix, prefix_end(prefix))]


class _Record(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def member(self) -> bytes: ...
    @property
    def epoch(self) -> int: ...


R = TypeVar("R", bound=_Record)


class RecordLog(Generic[R]):
    """Records with ascending ids (so ascending block height and epoch), indexed by member."""

    def __init__(self, key: StoreKey, name: bytes, cls: type[R]) -> None:
        self._key = key
        self._records: Map[R] = Map(key, name + b"/", json_value(cls))
        self._by_member = name + b"_by/"
        self.ids = Sequence(key, b"next_" + name)

    def all(self, ctx: Context) -> list[R]:
        """Every record, ascending id."""
        return [r for _, r in self._records.items(ctx)]

    def add(self, ctx: Context, record: R) -> None:
        self._records.set(ctx, record.id, record)
        if record.member:
            ctx.store(self._key).set(self._by_member + record.member + codec.u64(record.id), b"")

    def get(self, ctx: Context, id_: int) -> R | None:
        return self._records.get(ctx, id_)

    def after(self, ctx: Context, start_after: int, member: bytes | None = None) -> Iterator[R]:
        """Records with id > ``start_after`` (of ``member`` only, if given), ascending id."""
        if member is None:
            for _, each in self._records.items(ctx, start_after + 1):
                yield each
            return
        prefix = self._by_member + member
        n = len(prefix)
        start = prefix + codec.u64(min(start_after + 1, (1 << 64) - 1))
        for k, _ in ctx.store(self._key).iterate(start, prefix_end(prefix)):
            record = self._records.get(ctx, codec.read_u64(k[n:]))
            if record is not None:
                yield record

    def prune_before(self, ctx: Context, epoch: int) -> int:
        """Delete records of epochs < ``epoch`` (the oldest ids); how many went."""
        gone = [r for _, r in _take_while(self._records.items(ctx), lambda r: r.epoch < epoch)]
        s = ctx.store(self._key)
        for r in gone:
            self._records.delete(ctx, r.id)
            if r.member:
                s.delete(self._by_member + r.member + codec.u64(r.id))
        return len(gone)


T = TypeVar("T")


def _take_while(items: Iterator[tuple[int, T]], keep: Callable[[T], bool]) -> list[tuple[int, T]]:
    """The leading items whose value passes ``keep`` (read before any of them is deleted)."""
    out = []
    for id_, record in items:
        if not keep(record):
            break
        out.append((id_, record))
    return out


class ProducersState:
    def __init__(self, key: StoreKey) -> None:
        self._key = key
        self._segments: Map[EpochSegment] = Map(key, b"sched/", json_value(EpochSegment))
        self._committees: Map[CommitteeRecord] = Map(key, b"committee/", json_value(CommitteeRecord))
        self.slashes: RecordLog[SlashRecord] = RecordLog(key, b"slash", SlashRecord)
        self.liveness: RecordLog[LivenessRecord] = RecordLog(key, b"liveness", LivenessRecord)

    def _s(self, ctx: Context) -> KVStore:
        return ctx.store(self._key)

    # params
    def params(self, ctx: Context) -> Params:
        raw = self._s(ctx).get(_PARAMS)
        return Params() if raw is None else codec.loads(Params, raw)

    def set_params(self, ctx: Context, params: Params) -> None:
        self._s(ctx).set(_PARAMS, codec.dumps(params))

    # consensus keys
    def key_of(self, ctx: Context, member: bytes) -> ConsensusKey | None:
        raw = self._s(ctx).get(_KEY + member)
        return None if raw is None else codec.loads(ConsensusKey, raw)

    def member_of(self, ctx: Context, validator_address: bytes) -> bytes | None:
        return self._s(ctx).get(_BY_VALIDATOR + validator_address)

    def put_key(self, ctx: Context, key: ConsensusKey) -> None:
        s = self._s(ctx)
        s.set(_KEY + key.member, codec.dumps(key))
        s.set(_BY_VALIDATOR + key.validator_address, key.member)

    def all_keys(self, ctx: Context) -> list[ConsensusKey]:
        return [codec.loads(ConsensusKey, v) for _, v in self._s(ctx).iterate(_KEY, prefix_end(_KEY))]

    # the validator set
    def validator_set(self, ctx: Context) -> list[Validator]:
        """Ascending validator address."""
        return [codec.loads(Validator, v) for _, v in self._s(ctx).iterate(_SET, prefix_end(_SET))]

    def replace_validator_set(self, ctx: Context, validators: list[Validator]) -> None:
        s = self._s(ctx)
        for k in _keys_under(s, _SET):
            s.delete(k)
        for v in validators:
            s.set(_SET + v.validator_address, codec.dumps(v))

    def removals(self, ctx: Context) -> list[bytes]:
        """Validator addresses marked for removal at this block's end (none between blocks)."""
        return [k[len(_REMOVE) :] for k in _keys_under(self._s(ctx), _REMOVE)]

    def mark_removal(self, ctx: Context, validator_address: bytes) -> None:
        self._s(ctx).set(_REMOVE + validator_address, b"")

    def take_removals(self, ctx: Context) -> list[bytes]:
        s = self._s(ctx)
        keys = _keys_under(s, _REMOVE)
        for k in keys:
            s.delete(k)
        return [k[len(_REMOVE) :] for k in keys]

    # liveness
    def add_seen(self, ctx: Context) -> None:
        s = self._s(ctx)
        s.set(_SEEN, codec.int_bytes(codec.read_int(s.get(_SEEN)) + 1))

    def seen(self, ctx: Context) -> int:
        return codec.read_int(self._s(ctx).get(_SEEN))

    def add_miss(self, ctx: Context, validator_address: bytes) -> None:
        s = self._s(ctx)
        key = _MISS + validator_address
        s.set(key, codec.int_bytes(codec.read_int(s.get(key)) + 1))

    def set_liveness(self, ctx: Context, seen: int, misses: list[tuple[bytes, int]]) -> None:
        """Genesis: the window as exported (0 seen and no misses write nothing, as after a reset)."""
        s = self._s(ctx)
        if seen:
            s.set(_SEEN, codec.int_bytes(seen))
        for addr, missed in misses:
            s.set(_MISS + addr, codec.int_bytes(missed))

    def misses(self, ctx: Context) -> list[tuple[bytes, int]]:
        """(validator address, misses), ascending address."""
        n = len(_MISS)
        return [(k[n:], codec.read_int(v)) for k, v in self._s(ctx).iterate(_MISS, prefix_end(_MISS))]

    def reset_liveness(self, ctx: Context) -> None:
        s = self._s(ctx)
        for k in _keys_under(s, _MISS):
            s.delete(k)
        s.delete(_SEEN)

    # jail and evidence
    def jailed_until(self, ctx: Context, validator_address: bytes) -> int:
        raw = self._s(ctx).get(_JAIL + validator_address)
        return 0 if raw is None else codec.read_u64(raw)

    def jail(self, ctx: Context, validator_address: bytes, until_epoch: int) -> None:
        until = max(until_epoch, self.jailed_until(ctx, validator_address))
        self._s(ctx).set(_JAIL + validator_address, codec.u64(until))

    def jails(self, ctx: Context) -> list[tuple[bytes, int]]:
        """(validator address, first epoch it may be drawn for again), ascending address."""
        n = len(_JAIL)
        return [(k[n:], codec.read_u64(v)) for k, v in self._s(ctx).iterate(_JAIL, prefix_end(_JAIL))]

    def evidence(self, ctx: Context) -> list[tuple[bytes, int]]:
        """(validator address, offence height) of every offence handled, in key order."""
        n = len(_EVIDENCE)
        return [(k[n:-8], codec.read_u64(k[-8:])) for k in _keys_under(self._s(ctx), _EVIDENCE)]

    def mark_evidence(self, ctx: Context, validator_address: bytes, height: int) -> bool:
        """Record an offence at ``height``; False if it was recorded before."""
        key = _EVIDENCE + validator_address + codec.u64(height)
        s = self._s(ctx)
        if s.get(key) is not None:
            return False
        s.set(key, b"")
        return True

    # the candidate snapshot
    def replace_candidates(self, ctx: Context, weights: list[tuple[bytes, int]]) -> None:
        s = self._s(ctx)
        for k in _keys_under(s, _CANDIDATE):
            s.delete(k)
        for member, weight in weights:
            s.set(_CANDIDATE + member, codec.int_bytes(weight))

    def candidates(self, ctx: Context) -> list[tuple[bytes, int]]:
        """(member, snapshotted weight), ascending member."""
        n = len(_CANDIDATE)
        entries = self._s(ctx).iterate(_CANDIDATE, prefix_end(_CANDIDATE))
        return [(k[n:], codec.read_int(v)) for k, v in entries]

    # the epoch schedule
    def segments(self, ctx: Context) -> list[EpochSegment]:
        """Ascending start height; empty before genesis wrote the first."""
        return [seg for _, seg in self._segments.items(ctx)]

    def put_segment(self, ctx: Context, segment: EpochSegment) -> None:
        self._segments.set(ctx, segment.start_height, segment)

    def delete_segment(self, ctx: Context, start_height: int) -> None:
        self._segments.delete(ctx, start_height)

    # committees per epoch
    def committee(self, ctx: Context, epoch: int) -> CommitteeRecord | None:
        return self._committees.get(ctx, epoch)

    def put_committee(self, ctx: Context, record: CommitteeRecord) -> None:
        self._committees.set(ctx, record.epoch, record)

    def committees(self, ctx: Context) -> list[CommitteeRecord]:
        """Every committee record kept, ascending epoch."""
        return [record for _, record in self._committees.items(ctx)]

    def prune_committees_before(self, ctx: Context, epoch: int) -> int:
        gone = [e for e, _ in _take_while(self._committees.items(ctx), lambda r: r.epoch < epoch)]
        for e in gone:
            self._committees.delete(ctx, e)
        return len(gone)
