"""Genesis export / import under random DAO histories (the stateful machine of test_dao_stateful.py).

Every few steps, and at the end of each run, the DAO's committed state is exported section by section
and loaded into fresh modules on an empty store: the stores of bank, reputation, forum, availability,
validation_pool, work and salary must then hold byte-identical key/value pairs, and exporting the
loaded state must give the same JSON.

Run size: ``DAO_EXPORT_EXAMPLES`` (default 25) runs of up to ``DAO_EXPORT_STEPS`` (default 60) steps.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant
from test_dao_stateful import DaoMachine, wire_dao_modules

from modules.core.codec import dumps
from modules.core.context import BlockInfo, Context
from modules.core.module import Module
from modules.core.store import MemoryStore, prefix_end

EXAMPLES = int(os.environ.get("DAO_EXPORT_EXAMPLES", "25"))
STEPS = int(os.environ.get("DAO_EXPORT_STEPS", "60"))
CHECK_EVERY = 5  # steps between round trips (each exports and reloads the whole DAO)
COVERED = ("bank", "reputation", "forum", "availability", "validation_pool", "work", "salary")


def fresh_modules() -> list[Module]:
    """The DAO's modules as test_dao_stateful.Dao (and the app) wire them, in genesis order."""
    return wire_dao_modules().in_genesis_order()


def export(modules: list[Module], ctx: Context) -> dict[str, Any]:
    return {module.name: module.export_genesis(ctx) for module in modules}


def items(store: Any, name: str) -> list[tuple[bytes, bytes]]:
    prefix = name.encode() + b"/"
    return list(store.iterate(prefix, prefix_end(prefix)))


class ExportingDaoMachine(DaoMachine):
    def _round_trip(self) -> None:
        dao = self.dao
        # at the committed block's time: the availability selection index holds the stakes active then
        block = BlockInfo(height=dao.height, time_ns=dao.committed_time_ns, chain_id="stateful")
        source = Context(root=dao.committed, block=block)
        exported = export(fresh_modules(), source)  # fresh modules read the DAO's stores by name
        target = Context(root=MemoryStore(), block=block)
        modules = fresh_modules()
        sections = json.loads(json.dumps(exported))  # as plain JSON, the way InitChain hands it over
        for module in modules:
            module.init_genesis(target, sections[module.name])
        for name in COVERED:
            assert items(target.root, name) == items(dao.committed, name), name
        assert dumps(export(modules, target)) == dumps(exported)

    @invariant()  # type: ignore[untyped-decorator]
    def export_restores_the_covered_stores(self) -> None:
        if self.ops and len(self.ops) % CHECK_EVERY == 0:
            self._round_trip()

    def teardown(self) -> None:
        self._round_trip()  # (the parent's subprocess replays are test_dao_stateful's job)


ExportingDaoMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestDaoExportStateful = ExportingDaoMachine.TestCase
