"""A small in-memory stand-in for the availability keeper, and helpers to build a PoR world."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import nacl.signing

from modules.beacon.keeper import BeaconKeeper
from modules.core.context import BlockInfo, Context
from modules.core.errors import ErrorCode
from modules.core.store import MemoryStore, StoreKey
from modules.producers.keeper import ProducersKeeper
from modules.producers.keys import sign_possession
from modules.producers.types import (
    BLOCK_PRODUCTION,
    FLAG_ABSENT,
    FLAG_COMMIT,
    PPM,
    Founder,
    Params,
    Validator,
    ValidatorUpdate,
    VoteInfo,
)

CHAIN_ID = "por-test"
SECOND = 10**9
ERR_UNKNOWN = ErrorCode("fake_availability", 4, "unknown stake")


@dataclass(frozen=True)
class FakeStake:
    id: int
    owner: bytes
    kind: str
    amount: int
    end_ns: int


class FakeAvailability:
    """Stakes in a list; ``slash`` burns floor(amount * ppm / 1e6) and records it."""

    def __init__(self) -> None:
        self.stakes: dict[int, FakeStake] = {}
        self.burned: dict[bytes, int] = {}
        self._next = 1

    def add(self, owner: bytes, amount: int, end_ns: int = 10**30, kind: str = BLOCK_PRODUCTION) -> int:
        sid = self._next
        self._next += 1
        self.stakes[sid] = FakeStake(sid, owner, kind, amount, end_ns)
        return sid

    def active_stakes(self, ctx: Context, kind: str) -> list[FakeStake]:
        now = ctx.block.time_ns
        return [s for _, s in sorted(self.stakes.items()) if s.kind == kind and now < s.end_ns]

    def active_stakes_of(self, ctx: Context, owner: bytes, kind: str) -> list[FakeStake]:
        return [s for s in self.active_stakes(ctx, kind) if s.owner == owner]

    def slash(self, ctx: Context, stake_id: int, ppm: int) -> int:
        stake = self.stakes.get(stake_id)
        if stake is None:
            raise ERR_UNKNOWN(str(stake_id))
        burned = stake.amount * ppm // PPM
        self.stakes[stake_id] = replace(stake, amount=stake.amount - burned)
        self.burned[stake.owner] = self.burned.get(stake.owner, 0) + burned
        return burned


@dataclass
class Node:
    """A member with its account address and its validator's consensus key."""

    member: bytes
    signing_key: nacl.signing.SigningKey

    @property
    def pub_key(self) -> bytes:
        return bytes(self.signing_key.verify_key)


def make_node(i: int) -> Node:
    return Node(member=bytes([0xA0, i]) + bytes(18), signing_key=nacl.signing.SigningKey(bytes([i + 1]) * 32))


def ctx_at(store: MemoryStore, height: int, time_ns: int | None = None) -> Context:
    t = height * SECOND if time_ns is None else time_ns
    return Context(root=store, block=BlockInfo(height=height, time_ns=t, chain_id=CHAIN_ID))


@dataclass
class World:
    store: MemoryStore
    availability: FakeAvailability
    beacon: BeaconKeeper
    producers: ProducersKeeper
    nodes: list[Node]

    def register(self, node: Node, height: int = 1) -> None:
        ctx = ctx_at(self.store, height)
        sig = sign_possession(bytes(node.signing_key), CHAIN_ID, node.member)
        self.producers.register_key(ctx, node.member, node.pub_key, sig)


def make_world(params: Params, n_nodes: int, founders: int = 1) -> World:
    store = MemoryStore()
    availability = FakeAvailability()
    beacon = BeaconKeeper(StoreKey("beacon"))
    producers = ProducersKeeper(StoreKey("producers"), availability, beacon)
    nodes = [make_node(i) for i in range(n_nodes)]
    ctx = ctx_at(store, 1)
    beacon.init_genesis(ctx, None)
    producers.init_genesis(ctx, params, [Founder(n.member, n.pub_key, 1) for n in nodes[:founders]])
    return World(store, availability, beacon, producers, nodes)


@dataclass
class Run:
    """Drives the keeper block by block: liveness from the current set, then end_block."""

    w: World
    height: int = 0
    absent: set[bytes] = field(default_factory=set)
    updates: dict[int, list[ValidatorUpdate]] = field(default_factory=dict)

    def to(self, height: int, before_end: Callable[[Context], None] | None = None) -> list[ValidatorUpdate]:
        """Run blocks up to ``height``; return the updates of the last one."""
        while self.height < height:
            self.height += 1
            ctx = ctx_at(self.w.store, self.height)
            votes = [
                VoteInfo(v.validator_address, v.power, self._flag(v.validator_address))
                for v in self.w.producers.validator_set(ctx)
            ]
            self.w.producers.record_commit(ctx, votes)
            if before_end is not None and self.height == height:
                before_end(ctx)
            self.updates[self.height] = self.w.producers.end_block(ctx)
        return self.updates[height]

    def _flag(self, addr: bytes) -> int:
        return FLAG_ABSENT if addr in self.absent else FLAG_COMMIT

    def validators(self) -> list[Validator]:
        return self.w.producers.validator_set(ctx_at(self.w.store, self.height))
