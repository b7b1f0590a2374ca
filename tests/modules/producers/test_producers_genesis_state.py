"""producers' full-state genesis section: an export restores the store byte for byte (a new chain's
and one with committees, slashes, liveness records, jails, evidence, a candidate snapshot, a voted
epoch_length and a liveness window in progress); every broken field is refused by name."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest

from modules.beacon.module import BeaconModule
from modules.core.address import to_bech32
from modules.core.context import Context
from modules.core.errors import GenesisError
from modules.core.store import MemoryStore, prefix_end
from modules.producers.genesis import STATE_KEYS
from modules.producers.module import ProducersModule
from modules.producers.types import DUPLICATE_VOTE, Misbehavior, Params
from tests.modules.producers.por_fakes import FakeAvailability, Run, World, ctx_at, make_world
from tests.modules.section_edits import Section, edit, swap_first_two

L = 6


def _world() -> World:
    params = Params(epoch_length=L, committee_size=3, min_stake_remaining_s=0)
    w = make_world(params, n_nodes=5, founders=1)
    for i, node in enumerate(w.nodes[1:], start=1):
        w.register(node)
        w.availability.add(node.member, 100 * i)
    return w


def _module(w: World) -> ProducersModule:
    return ProducersModule(w.availability, w.beacon)


def _items(store: MemoryStore, prefix: bytes = b"producers/") -> list[tuple[bytes, bytes]]:
    return list(store.iterate(prefix, prefix_end(prefix)))


def _import(section: Section, height: int) -> tuple[MemoryStore, Context, ProducersModule]:
    """Load ``section`` (through JSON text) into a new store at ``height`` (the export's)."""
    store = MemoryStore()
    beacon = BeaconModule()
    module = ProducersModule(FakeAvailability(), beacon.keeper)
    ctx = ctx_at(store, height)
    module.init_genesis(ctx, json.loads(json.dumps(section)))
    return store, ctx, module


def _busy_run() -> Run:
    """Three epochs and a half: a member offline (liveness record), evidence (slash, jail, removal),
    epoch_length voted to 8 (a second schedule segment), ending after the candidate snapshot."""
    run = Run(_world())
    run.to(L - 1)  # the first drawn committee
    offline = run.validators()[0].validator_address
    run.absent = {offline}
    run.to(2 * L + 2)  # snapshot of epoch 2 (offset 2) judges it
    run.absent = set()
    offender = run.validators()[-1].validator_address

    def evidence(ctx: Context) -> None:
        run.w.producers.handle_misbehavior(ctx, [Misbehavior(DUPLICATE_VOTE, offender, run.height - 1)])
        params = run.w.producers.params(ctx)
        run.w.producers.set_params(ctx, Params(**{**params.__dict__, "epoch_length": 8}))

    run.to(2 * L + 4, before_end=evidence)
    run.absent = {run.validators()[0].validator_address}
    run.to(3 * L + 5)  # epoch 3 (19-26), after its snapshot (offset 3, height 22): a miss in the window
    return run


def _export(run: Run) -> Section:
    return _module(run.w).export_genesis(ctx_at(run.w.store, run.height))


@pytest.fixture(scope="module")
def busy() -> tuple[Section, list[tuple[bytes, bytes]], int]:
    run = _busy_run()
    return _export(run), _items(run.w.store), run.height


def test_a_new_chain_s_export_restores_its_store() -> None:
    run = Run(_world())
    run.to(2)
    section = _export(run)
    assert section["next_slash_id"] == section["next_liveness_id"] == 1  # no counter in the store
    store, ctx, module = _import(section, run.height)
    assert _items(store) == _items(run.w.store)
    assert module.export_genesis(ctx) == section


def test_a_busy_chain_s_export_restores_its_store(
    busy: tuple[Section, list[tuple[bytes, bytes]], int],
) -> None:
    section, items, height = busy
    assert section["slashes"] and section["liveness_removals"] and section["jails"] and section["evidence"]
    assert len(section["schedule"]) == 2 and len(section["committees"]) == 4
    assert section["candidates"] and section["liveness"]["misses"] and section["liveness"]["seen"]
    store, ctx, module = _import(section, height)
    assert _items(store) == items
    assert module.export_genesis(ctx) == section


def test_the_founders_path_is_kept_for_sections_without_state() -> None:
    w = make_world(Params(epoch_length=L), n_nodes=3, founders=3)  # the store init_genesis wrote
    section = {k: v for k, v in _module(w).export_genesis(ctx_at(w.store, 1)).items() if k not in STATE_KEYS}
    assert set(section) == {"params", "founders"}
    store, _, _ = _import(section, 0)
    assert _items(store) == _items(w.store)


def _drop(key: str) -> Callable[[Section], None]:
    return lambda section: section.pop(key)


def _founder_without_key(section: Section) -> None:
    section["founders"][0]["member"] = to_bech32(bytes(20))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_drop("jails"), r"producers\.jails: missing"),
        (edit("keys.0.validator_address", "00" * 20), r"producers\.keys\[0\]\.validator_address: is not"),
        (edit("keys.0.pub_key", "zz"), r"producers\.keys\[0\]\.pub_key: not hex"),
        (swap_first_two("keys"), r"producers\.keys\[1\]\.member: must ascend"),
        (_founder_without_key, r"producers\.founders\[0\]: the member's key is not among"),
        (edit("schedule.0.start_height", 2), r"producers\.schedule: must start with a segment at height 1"),
        (edit("schedule.1.start_height", 14), r"producers\.schedule\[1\]: must start at an epoch boundary"),
        (edit("schedule.1.length", 5), r"producers\.schedule\[1\]\.length: must be >= 6"),
        (edit("schedule.1.length", 10), r"producers\.schedule\[1\]\.length: must equal params\.epoch_length"),
        (swap_first_two("committees"), r"producers\.committees\[1\]\.epoch: must ascend"),
        (edit("committees.1.seed", "ab"), r"producers\.committees\[1\]\.seed: must be empty or 32"),
        (edit("committees.1.members.0.power", 0), r"producers\.committees\[1\]\.members\[0\]\.power"),
        (edit("committees.1.drawn", 1), r"producers\.committees\[1\]\.drawn: must be true or false"),
        (edit("slashes.0.kind", "theft"), r"producers\.slashes\[0\]\.kind: 'theft' is not a slash kind"),
        (edit("slashes.0.id", 9), r"producers\.slashes\[0\]\.id: 9 must be in \[1, next_slash_id\)"),
        (edit("slashes.0.burned", -1), r"producers\.slashes\[0\]\.burned: must be >= 0"),
        (edit("slashes.0.extra", 1), r"producers\.slashes\[0\]\.extra: unknown field"),
        (edit("next_liveness_id", 0), r"producers\.next_liveness_id: must be >= 1"),
        (edit("liveness_removals.0.member", "bpdao1x"), r"producers\.liveness_removals\[0\]\.member"),
        (edit("liveness.seen", 0), r"producers\.liveness\.misses\[0\]\.missed: must be in \[1, seen\]"),
        (edit("liveness.misses.0.validator_address", "ab"), r"producers\.liveness\.misses\[0\]\.validator_"),
        (edit("candidates.0.weight", 1.5), r"producers\.candidates\[0\]\.weight: must be an integer"),
        (
            edit("jails.0.validator_address", "AB" * 20),
            r"producers\.jails\[0\]\.validator_address: must be lower",
        ),
        (edit("evidence.0.height", "1"), r"producers\.evidence\[0\]\.height: must be an integer"),
        (edit("removals", ["00" * 19]), r"producers\.removals\[0\]: must be 20 bytes"),
    ],
)
def test_a_broken_field_is_named(
    busy: tuple[Section, list[tuple[bytes, bytes]], int], change: Callable[[Section], None], message: str
) -> None:
    section = copy.deepcopy(busy[0])
    change(section)
    with pytest.raises(GenesisError, match=message):
        _module(_world()).validate_genesis(section)


def test_a_record_without_a_member_round_trips() -> None:
    run = Run(_world())
    run.to(2)
    stranger = bytes([0xEE]) * 20  # no registered key: the slash record has no member

    def evidence(ctx: Context) -> None:
        run.w.producers.handle_misbehavior(ctx, [Misbehavior(DUPLICATE_VOTE, stranger, 2)])

    run.to(3, before_end=evidence)
    section = _export(run)
    assert section["slashes"][0]["member"] is None
    store, _, _ = _import(section, run.height)
    assert _items(store) == _items(run.w.store)
