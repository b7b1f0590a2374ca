"""Which modules the app runs, in which order, and how txs, messages and queries reach them.

Explicit on purpose (no registry, no discovery): the order of the module list is the order
of genesis, begin_block and end_block hooks, and it is part of consensus.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from abci_app import txcodec
from abci_app.assignment_seeds import BeaconAssignmentSeeds
from abci_app.execution import AnteHandler, DecodedTx
from modules.auth.module import AuthModule
from modules.availability.module import AvailabilityModule
from modules.bank.keeper import FEE_COLLECTOR, module_address
from modules.bank.module import BankModule
from modules.beacon.keeper import BeaconKeeper
from modules.beacon.module import BeaconModule
from modules.blocks.keeper import BlocksKeeper
from modules.blocks.module import BlocksModule
from modules.core.context import Context
from modules.core.module import Module, MsgHandler, QueryHandler
from modules.forum.module import ForumModule
from modules.governance.module import GovernanceModule
from modules.producers.keeper import ProducersKeeper
from modules.producers.module import ProducersModule
from modules.reputation.module import ReputationModule
from modules.salary.module import SalaryModule
from modules.validation_pool.module import ValidationPoolModule
from modules.work.module import WorkModule

# Names the app keeps for itself: its own state prefix and query paths, and genesis's chain_id.
RESERVED_NAMES = frozenset({"app", "chain_id"})

# Reads the max tx size (a consensus param) from state.
MaxTxBytes = Callable[[Context], int]


@dataclass(frozen=True)
class PorKeepers:
    """The Proof of Reputation keepers the app's ABCI hooks drive (abci_app/por.py)."""

    producers: ProducersKeeper
    beacon: BeaconKeeper
    blocks: BlocksKeeper | None = None  # takes the verdicts on blocks carried in vote extensions


@dataclass(frozen=True)
class Wiring:
    modules: tuple[Module, ...]
    ante: AnteHandler
    max_tx_bytes: MaxTxBytes
    msg_router: Mapping[type, MsgHandler]
    queries: Mapping[str, QueryHandler]  # "/<module>/<name>" -> handler
    por: PorKeepers | None = None  # None: no PoR (fixed genesis validators, empty vote extensions)
    # Txs whose messages are all of these (and whose ante is replayable) are recorded by their
    # first recheck: the effects stand in for later rechecks and FinalizeBlock where they hold
    # (abci_app/execution.py). Empty: every tx runs every time.
    replayable_msgs: frozenset[type] = frozenset()


def wire(
    modules: Sequence[Module],
    *,
    ante: AnteHandler,
    max_tx_bytes: MaxTxBytes,
    por: PorKeepers | None = None,
    replayable_ante: bool = False,
) -> Wiring:
    """Check the module list and build the routers. ValueError names what is wrong.

    ``replayable_ante``: the ante reaches state only through the context's stores and never
    reads the block (modules/core/module.py, ``replayable_msgs``); without it no tx is replayed.
    """
    names: set[str] = set()
    router: dict[type, MsgHandler] = {}
    replayable: set[type] = set()
    queries: dict[str, QueryHandler] = {}
    for module in modules:
        if not module.name or module.name in RESERVED_NAMES or "/" in module.name:
            raise ValueError(f"invalid module name {module.name!r}")
        if module.name in names:
            raise ValueError(f"module {module.name!r} is wired twice")
        names.add(module.name)
        handlers = module.msg_handlers()
        for msg_type, handler in handlers.items():
            if msg_type in router:
                raise ValueError(f"{msg_type.__name__} has handlers in two modules")
            router[msg_type] = handler
        replayable.update(msg_type for msg_type in module.replayable_msgs() if msg_type in handlers)
        for query_name, query in module.queries().items():
            queries[f"/{module.name}/{query_name}"] = query
    return Wiring(
        modules=tuple(modules),
        ante=ante,
        max_tx_bytes=max_tx_bytes,
        msg_router=router,
        queries=queries,
        por=por,
        replayable_msgs=frozenset(replayable) if replayable_ante else frozenset(),
    )


@dataclass(frozen=True)
class DaoModules:
    """The DAO's modules (REP, forum, availability, pools, work, salary) over a bank, wired to one
    another; the production wiring adds auth, governance and Proof of Reputation around them."""

    bank: BankModule
    reputation: ReputationModule
    forum: ForumModule
    availability: AvailabilityModule
    pools: ValidationPoolModule
    work: WorkModule
    salary: SalaryModule

    def in_genesis_order(self) -> list[Module]:
        return [self.bank, self.reputation, self.forum, self.availability, self.pools, self.work, self.salary]


def wire_dao(bank: BankModule, fee_collector: bytes) -> DaoModules:
    """The DAO's modules on ``bank``; salary sweeps ``fee_collector`` into members' salaries."""
    reputation = ReputationModule()
    salary = SalaryModule(
        account=bank.keeper.register_module_account("salary"),
        fee_collector=fee_collector,
        bank=bank.keeper,
        reputation=reputation.keeper,
    )
    reputation.keeper.add_balance_hook(salary.keeper)  # salary settles before any REP balance changes
    forum = ForumModule(reputation.keeper)
    availability = AvailabilityModule(reputation.keeper)
    pools = ValidationPoolModule(
        escrow=bank.keeper.register_module_account("validation_pool"),
        bank=bank.keeper,
        reputation=reputation.keeper,
        forum=forum.keeper,
        salary=salary.keeper,
    )
    work = WorkModule(
        bank=bank.keeper,
        forum=forum.keeper,
        availability=availability.keeper,
        pools=pools.keeper,
        escrow=bank.keeper.register_module_account("work"),
    )
    pools.keeper.register_result_hook(work.name, work)
    return DaoModules(bank, reputation, forum, availability, pools, work, salary)


def default_wiring() -> Wiring:
    """The production modules, in hook order, with auth's ante check and tx size limit."""
    bank = BankModule()
    fee_collector = module_address(FEE_COLLECTOR)
    auth = AuthModule(bank.keeper, fee_collector=fee_collector)
    dao = wire_dao(bank, fee_collector)
    forum, availability, pools = dao.forum, dao.availability, dao.pools
    governance = GovernanceModule(
        bank=bank.keeper,
        forum=forum.keeper,
        pools=pools.keeper,
        account=bank.keeper.register_module_account("governance"),
    )
    pools.keeper.register_result_hook(governance.name, governance)  # its staged pools report back
    for governed in (auth, forum, availability, pools, dao.work):  # (governance registers its own params)
        governance.registry.register(governed.name, governed.keeper)

    def ante(ctx: Context, tx: DecodedTx) -> None:
        auth.keeper.ante(ctx, tx.pub_key, tx.nonce, tx.fee, tx.memo, signer=tx.signer, msg_count=len(tx.msgs))

    def max_tx_bytes(ctx: Context) -> int:
        limit: int = auth.keeper.params(ctx).max_tx_bytes
        return limit

    # end_block order: pools resolve first (their result hooks reach work), then work acts on its
    # deadlines and verdict cutoffs; salary last: its end_block sweeps the block's tx fees.
    # governance first: params voted for this height apply before any other hook or tx reads them.
    # Proof of Reputation: committees drawn from block_production availability stakes, seeded by
    # the beacon; their ABCI hooks run around the modules' (abci_app/por.py). No block hooks of
    # their own, so their place in the list only orders genesis.
    beacon = BeaconModule()
    producers = ProducersModule(availability.keeper, beacon.keeper)
    # voted changes activate at the producers' epoch boundary (a new committee's first height);
    # producers' params are governable (epoch_length changes start at an epoch boundary: por.md §1)
    governance.keeper.set_epoch_clock(producers.keeper)
    governance.registry.register(producers.name, producers.keeper)
    # Every block is work: fees + production tax per block, a post and a pool per proposer and
    # roll-up window. Its end_block runs before salary's (which sweeps the fee collector).
    blocks = BlocksModule(
        account=bank.keeper.register_module_account("blocks"),
        fee_collector=fee_collector,
        bank=bank.keeper,
        reputation=dao.reputation.keeper,
        forum=forum.keeper,
        pools=pools.keeper,
        availability=availability.keeper,
        producers=producers.keeper,
    )
    pools.keeper.register_result_hook(blocks.name, blocks)
    governance.registry.register(blocks.name, blocks.keeper)
    # work draws experts from a beacon seed nobody could see at request time (docs/spec/work.md)
    dao.work.keeper.set_assignment_seeds(BeaconAssignmentSeeds(producers.keeper, beacon.keeper))
    por = PorKeepers(producers=producers.keeper, beacon=beacon.keeper, blocks=blocks.keeper)
    modules = [governance, auth, bank, dao.reputation, forum, availability, pools, dao.work, blocks]
    modules += [dao.salary, beacon, producers]
    # auth's ante: auth's account and params, bank's counters (modules/auth/keeper.py)
    return wire(modules, ante=ante, max_tx_bytes=max_tx_bytes, por=por, replayable_ante=True)


class ProtobufTxCodec:
    """The production tx codec (``abci_app.txcodec``) behind the app's TxCodec interface."""

    def decode(self, raw: bytes, max_tx_bytes: int) -> DecodedTx:
        return txcodec.decode_tx(raw, max_tx_bytes)

    def verify(self, tx: DecodedTx) -> bool:
        return txcodec.verify_signature(cast(txcodec.DecodedTx, tx))
