"""Export the committed state of a stopped node as a genesis for a new chain (``bpdao export``).

The export is every module's ``export_genesis`` over the last committed state, plus the app's own
chain params, so that a new chain started from it (InitChain with ``app_state`` at
``initial_height``) holds the same module state. Only the last committed height is kept on disk
(retain_height 0), so that is the only height that can be exported.

Validators: the new chain's genesis.json must list ``validators`` (CometBFT's genesis form), which
are producers' validator set at the export, i.e. the set once every update the app returned has
applied (updates returned at H take effect at H + 2). That is also ``app_state.producers.founders``,
which InitChain checks genesis.json against (abci_app/por.py). So a committee decided at the export
height, or a removal in its last two blocks, is in force from ``initial_height`` on, one or two
blocks earlier than on the old chain; and the new chain's first block carries no commit info (no
last commit at the initial height), so the extensions signed at the export height are not applied.
At the last reveal-phase height of an epoch that would slash every member whose reveal is not applied
yet as a non-revealer, so the export refuses that height unless forced (:func:`lost_reveals`).
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from abci_app.app import APP_STORE
from abci_app.db import StateDB
from abci_app.wiring import PorKeepers, Wiring, default_wiring
from genesis.app_state import export_app_state
from modules.beacon.types import REVEAL
from modules.core.context import BlockInfo, Context
from modules.core.store import ReadOnlyStore
from modules.producers.types import Validator


class ExportError(Exception):
    """The state cannot be exported (no chain there, a height that is not kept, a locked database)."""


class ExportRefused(ExportError):
    """The export would make the restarted chain slash honest members (:func:`lost_reveals`); it
    can be forced, for disaster recovery."""


@dataclass(frozen=True)
class Export:
    chain_id: str
    height: int  # the exported (last committed) height
    app_hash: bytes
    block_time_ns: int
    consensus_params: dict[str, Any]  # as the app stored them at InitChain
    app_state: dict[str, Any]
    validators: list[dict[str, Any]] = field(default_factory=list)  # genesis.json's form
    # what a forced export loses (:func:`lost_reveals`); for the operator, not in the document
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The export document: the new chain starts at ``initial_height`` with ``app_state``."""
        return {
            "chain_id": self.chain_id,
            "height": self.height,
            "app_hash": self.app_hash.hex(),
            "block_time_ns": self.block_time_ns,
            "initial_height": self.height + 1,
            "consensus_params": self.consensus_params,
            "validators": self.validators,
            "app_state": self.app_state,
        }


def genesis_validator(v: Validator) -> dict[str, Any]:
    """A validator as CometBFT's genesis.json lists it (power is a decimal string there)."""
    return {
        "address": v.validator_address.hex().upper(),
        "pub_key": {"type": "tendermint/PubKeyEd25519", "value": base64.b64encode(v.pub_key).decode()},
        "power": str(v.power),
        "name": "",
    }


def rfc3339_ns(time_ns: int) -> str:
    """CometBFT's genesis_time form: UTC with nanoseconds (``2026-01-02T03:04:05.000000006Z``)."""
    seconds, nanos = divmod(time_ns, 1_000_000_000)
    stamp = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{nanos:09d}Z"


def restart_genesis(genesis: Mapping[str, Any], exported: Mapping[str, Any]) -> dict[str, Any]:
    """A CometBFT genesis.json for the chain restarted from ``exported`` (:meth:`Export.to_json`):
    ``genesis`` (the old chain's, or one made by ``cometbft init``) with the export's app_state,
    validators, initial_height, block size limits, and a genesis time one second after the exported
    block's. Vote extensions are turned on at the initial height (PoR's InitChain requires it)."""
    if genesis.get("chain_id") != exported["chain_id"]:
        raise ExportError(
            f"chain_id: the genesis has {genesis.get('chain_id')!r}, the export {exported['chain_id']!r}"
        )
    doc = copy.deepcopy(dict(genesis))
    initial_height = int(exported["initial_height"])
    doc["initial_height"] = str(initial_height)
    doc["genesis_time"] = rfc3339_ns(int(exported["block_time_ns"]) + 1_000_000_000)
    doc["validators"] = copy.deepcopy(exported["validators"])
    doc["app_state"] = copy.deepcopy(exported["app_state"])
    doc["app_hash"] = ""
    params = doc.setdefault("consensus_params", {})
    block = params.setdefault("block", {})
    for ours, theirs in (("block_max_bytes", "max_bytes"), ("block_max_gas", "max_gas")):
        if exported["consensus_params"].get(ours, 0) != 0:  # 0: InitChain had none (keep genesis')
            block[theirs] = str(exported["consensus_params"][ours])
    params.setdefault("abci", {})["vote_extensions_enable_height"] = str(initial_height)
    return doc


def last_reveal_epoch(por: PorKeepers, ctx: Context) -> int | None:
    """The epoch whose last reveal-phase height ``ctx``'s height is (the producers' schedule at that
    height decides), else None."""
    height = ctx.block.height
    here = por.producers.position(ctx, height)
    if here.phase != REVEAL or por.producers.position(ctx, height + 1).phase == REVEAL:
        return None
    return here.epoch


def lost_reveals(por: PorKeepers, ctx: Context) -> str | None:
    """What a restart from the state at ``ctx``'s height would cost honest members, or None.

    The restarted chain's first block has no last commit, so the vote extensions signed at the
    export height are never applied. Members repeat their reveal at every reveal-phase height, so
    only the last one matters, and only for a committed member whose reveal is not applied yet: its
    reveal would have been applied in the decision block itself. (A commitment lost at the last
    commit-phase height costs nothing: a member the beacon has no commitment of is not a withholder,
    it only adds nothing to the seed.)"""
    epoch = last_reveal_epoch(por, ctx)
    if epoch is None:
        return None
    committed = por.beacon.committers(ctx, epoch)
    pending = [a for a in committed if not por.beacon.has_revealed(ctx, epoch, a)]
    if not pending:
        return None
    height = ctx.block.height
    return (
        f"height {height} is the last reveal-phase height of epoch {epoch}: the reveals signed "
        f"at it reach the app only in block {height + 1}, which a chain restarted from this export "
        f"never has, so at that decision every member whose reveal is not applied yet (now "
        f"{len(pending)} of the {len(committed)} committed) would be slashed as a non-revealer"
    )


def export_db(db: StateDB, wiring: Wiring, *, force: bool = False) -> Export:
    """Every module's genesis section over ``db``'s committed state.

    Refuses (:class:`ExportRefused`) a height at which the restarted chain would slash honest
    members (:func:`lost_reveals`) unless ``force``; the forced export carries that as a warning."""
    last = db.last_commit
    if last.height == 0:
        raise ExportError("no committed block: nothing to export")
    app_store = ReadOnlyStore(db)
    chain_id = (app_store.get(APP_STORE.prefix + b"chain_id") or b"").decode()
    consensus = json.loads(app_store.get(APP_STORE.prefix + b"consensus_params") or b"{}")
    ctx = Context(
        root=app_store, block=BlockInfo(height=last.height, time_ns=last.block_time_ns, chain_id=chain_id)
    )
    hazard = None if wiring.por is None else lost_reveals(wiring.por, ctx)
    if hazard is not None and not force:
        raise ExportRefused(f"{hazard}. Run the node one more block, then export again")
    app_state = export_app_state(wiring.modules, ctx, chain_id)
    validators = [] if wiring.por is None else wiring.por.producers.validator_set(ctx)
    return Export(
        chain_id,
        last.height,
        last.app_hash,
        last.block_time_ns,
        consensus,
        app_state,
        [genesis_validator(v) for v in validators],
        () if hazard is None else (hazard,),
    )


def export_data_dir(
    data_dir: Path, height: str = "latest", wiring: Wiring | None = None, *, force: bool = False
) -> Export:
    """Export the state in ``data_dir`` (the app must be stopped: RocksDB allows one process).

    ``height``: ``latest`` or the last committed height as a number (the only one kept).
    ``force``: export even a height :func:`export_db` refuses."""
    if not (data_dir / "CURRENT").is_file():
        raise ExportError(f"{data_dir}: no state database here")
    try:
        db = StateDB(data_dir)
    except Exception as err:  # rocksdict raises a bare Exception for a held lock
        raise ExportError(
            f"{data_dir}: cannot open the state database (is the node running?): {err}"
        ) from None
    try:
        last = db.last_commit.height
        if height != "latest" and height != str(last):
            raise ExportError(f"height {height}: only the last committed height ({last}) is kept")
        return export_db(db, wiring if wiring is not None else default_wiring(), force=force)
    finally:
        db.close()
