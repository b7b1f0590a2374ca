"""A PoR chain on default_wiring, driven as CometBFT drives it, for tests that need committees to
change: four founders with block_production stakes, the validator set tracked through the updates
(H + 2), votes with the members' beacon extensions (a member can be made absent), evidence.

The same blocks can be fed to several apps (``PorNetwork.apps``): every app must answer them alike.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from nacl.signing import SigningKey

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.pb.tendermint.crypto import keys_pb2
from abci_app.vote_extensions import vote_extension_sign_bytes
from abci_app.wiring import default_wiring
from genesis.accounts import add_account, add_availability_stake
from genesis.app_state import build_app_state
from modules.availability.types import Params as AvailabilityParams
from modules.beacon.secret import derive_secret
from modules.beacon.types import encode_extension
from modules.core.address import to_bech32
from modules.producers.epochs import position
from modules.producers.keys import validator_address
from modules.producers.types import BLOCK_PRODUCTION, FLAG_ABSENT, FLAG_COMMIT

CHAIN = "bpdao-por-export"
EPOCH = 8  # commit offsets 0-3 (snapshot at 3), reveal 4-5, quiet 6-7 (decision at 6)
KEYS = [SigningKey(bytes([i + 70]) * 32) for i in range(4)]
VALS = [validator_address(bytes(k.verify_key)) for k in KEYS]  # founders' accounts too
STAKES = [400, 300, 200, 100]  # REP staked for block production; power = stake // 100
NODE_SEEDS = {addr: bytes([i + 1]) * 32 for i, addr in enumerate(VALS)}
KEY_OF = dict(zip(VALS, KEYS, strict=True))
T0 = 1_700_000_000
PRODUCERS = {"epoch_length": EPOCH, "committee_size": 4, "rep_per_power": 100}


def apply_updates(valset: dict[bytes, int], updates: Sequence[abci.ValidatorUpdate]) -> dict[bytes, int]:
    """CometBFT's set after ``updates`` (power 0 removes): the set two heights after they were returned."""
    nxt = dict(valset)
    for u in updates:
        addr = validator_address(u.pub_key.ed25519)
        if u.power == 0:
            nxt.pop(addr)
        else:
            nxt[addr] = u.power
    return nxt


def time_at(height: int) -> Timestamp:
    return Timestamp(seconds=T0 + height)


def genesis_app_state(epoch_length: int = EPOCH) -> dict[str, Any]:
    """Founders are genesis.json's validators (each bound to its own key's account) with stakes."""
    wiring = default_wiring()
    overrides = {
        "chain_id": CHAIN,
        "reputation": {"balances": [{"address": to_bech32(v), "amount": 1_000} for v in VALS]},
        "producers": {"params": {**PRODUCERS, "epoch_length": epoch_length}},
    }
    state = build_app_state(wiring.modules, overrides)
    for addr, stake in zip(VALS, STAKES, strict=True):
        add_account(state, addr, 1_000)
        add_availability_stake(state, addr, BLOCK_PRODUCTION, stake, AvailabilityParams().max_duration_s)
    return state


def genesis_validators() -> list[abci.ValidatorUpdate]:
    return [
        abci.ValidatorUpdate(pub_key=keys_pb2.PublicKey(ed25519=bytes(k.verify_key)), power=1) for k in KEYS
    ]


def start(data_dir: Path, epoch_length: int = EPOCH) -> Application:
    app = Application(data_dir, default_wiring(), beacon_seed=NODE_SEEDS[VALS[0]])
    app.init_chain(
        abci.RequestInitChain(
            chain_id=CHAIN,
            time=time_at(0),
            initial_height=1,
            app_state_bytes=json.dumps(genesis_app_state(epoch_length)).encode(),
            validators=genesis_validators(),
        )
    )
    return app


class PorNetwork:
    """Plays CometBFT: the first app proposes, every app processes, finalizes and commits the same
    block and must return the same validator updates and tx results."""

    def __init__(self, apps: Sequence[Application], epoch_length: int = EPOCH) -> None:
        self.apps = list(apps)
        self.epoch_length = epoch_length  # as the apps' genesis has it (no voted change)
        self.height = 0
        founders = {v: 1 for v in VALS}
        self.valsets: dict[int, dict[bytes, int]] = {1: founders, 2: dict(founders)}
        self.absent: set[bytes] = set()  # members whose votes are missing from the next commits
        self.last = abci.ExtendedCommitInfo()

    def block(self, evidence: Sequence[abci.Misbehavior] = ()) -> abci.ResponseFinalizeBlock:
        h = self.height + 1
        last = abci.CommitInfo(
            round=self.last.round,
            votes=[
                abci.VoteInfo(validator=v.validator, block_id_flag=v.block_id_flag) for v in self.last.votes
            ],
        )
        proposer = min(self.valsets[h])
        prepared = self.apps[0].prepare_proposal(
            abci.RequestPrepareProposal(
                height=h, time=time_at(h), local_last_commit=self.last, max_tx_bytes=1 << 20
            )
        )
        txs = list(prepared.txs)
        block_hash = bytes([h % 256]) * 32
        results = []
        for app in self.apps:
            process = abci.RequestProcessProposal(
                height=h, time=time_at(h), txs=txs, proposed_last_commit=last, hash=block_hash
            )
            assert app.process_proposal(process).status == abci.ResponseProcessProposal.ACCEPT, h
            finalize = abci.RequestFinalizeBlock(
                height=h,
                time=time_at(h),
                txs=txs,
                decided_last_commit=last,
                misbehavior=list(evidence),
                hash=block_hash,
                proposer_address=proposer,
            )
            results.append(app.finalize_block(finalize))
            app.commit(abci.RequestCommit())
        first = results[0]
        for other in results[1:]:
            assert list(other.validator_updates) == list(first.validator_updates), h
            assert [r.code for r in other.tx_results] == [r.code for r in first.tx_results], h
        self.valsets[h + 2] = apply_updates(self.valsets[h + 1], first.validator_updates)
        self.last = self._votes(h)
        self.height = h
        return first

    def _votes(self, height: int) -> abci.ExtendedCommitInfo:
        """The extended commit of ``height`` by its validator set (CometBFT's order: power, address)."""
        pos = position(self.epoch_length, height)
        votes = []
        for addr, power in sorted(self.valsets[height].items(), key=lambda kv: (-kv[1], kv[0])):
            validator = abci.Validator(address=addr, power=power)
            if addr in self.absent:
                votes.append(abci.ExtendedVoteInfo(validator=validator, block_id_flag=FLAG_ABSENT))  # type: ignore[arg-type]
                continue
            ext = encode_extension(pos.phase, derive_secret(NODE_SEEDS[addr], CHAIN, pos.epoch))
            sig = KEY_OF[addr].sign(vote_extension_sign_bytes(CHAIN, height, 0, ext)).signature
            votes.append(
                abci.ExtendedVoteInfo(
                    validator=validator,
                    block_id_flag=FLAG_COMMIT,  # type: ignore[arg-type]
                    vote_extension=ext,
                    extension_signature=sig,
                )
            )
        return abci.ExtendedCommitInfo(round=0, votes=votes)

    def query(self, path: str, app: int = 0, **args: Any) -> Any:
        res = self.apps[app].query(abci.RequestQuery(path=path, data=json.dumps(args).encode()))
        assert res.code == 0, res.log
        return json.loads(res.value)
