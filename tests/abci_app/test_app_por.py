"""The Application with Proof of Reputation wired in, driven as CometBFT drives it: InitChain turns
vote extensions on, every block after the first starts with the commit-info tx, committees change
at decision heights, and a restarted app continues with the same app hashes. Two nodes give a
tampered proposal (edited or cut commit-info tx, junk txs, votes left out or re-flagged) and any vote
extension the same ACCEPT/REJECT, and execute what they accept to the same app hash."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from app_fakes import CHAIN_ID, FakeAuth, FakeBank, FakeCodec, Send, addr_of, encode_tx, keys, timestamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey
from por_network import apply_updates

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.pb.tendermint.crypto import keys_pb2
from abci_app.vote_extensions import encode_injection, is_injection, vote_extension_sign_bytes
from abci_app.wiring import PorKeepers, Wiring, wire
from modules.beacon.module import BeaconModule
from modules.beacon.secret import derive_secret
from modules.beacon.types import encode_extension
from modules.core.address import to_bech32
from modules.core.module import Module
from modules.producers.epochs import position
from modules.producers.keys import validator_address
from modules.producers.module import ProducersModule
from modules.producers.types import Params
from tests.modules.producers.por_fakes import FakeAvailability

EPOCH = 6
ACCEPT = abci.ResponseProcessProposal.ACCEPT
REJECT = abci.ResponseProcessProposal.REJECT
VALIDATORS = [SigningKey(bytes([i + 90]) * 32) for i in range(3)]
SEEDS = {validator_address(bytes(k.verify_key)): bytes([i + 7]) * 32 for i, k in enumerate(VALIDATORS)}
KEY_OF = {validator_address(bytes(k.verify_key)): k for k in VALIDATORS}
ALICE, BOB = keys(2)


def _wiring(availability: FakeAvailability) -> Wiring:
    bank = FakeBank()
    auth = FakeAuth(bank)
    beacon = BeaconModule()
    producers = ProducersModule(availability, beacon.keeper)
    modules: list[Module] = [auth, bank, beacon, producers]
    return wire(
        modules,
        ante=auth.ante,
        max_tx_bytes=lambda ctx: 64 * 1024,
        por=PorKeepers(producers.keeper, beacon.keeper),
    )


def _app(data_dir: Path, node: int = 0) -> Application:
    availability = FakeAvailability()
    for i, addr in enumerate(sorted(SEEDS)):
        availability.add(addr, 100 * (i + 1))  # founders are bound to their own key's account
    seed = SEEDS[sorted(SEEDS)[node]]
    return Application(data_dir, _wiring(availability), codec=FakeCodec(), beacon_seed=seed)


def _init(app: Application, enable: int = 0) -> abci.ResponseInitChain:
    params = dataclasses.asdict(Params(epoch_length=EPOCH, committee_size=2, min_stake_remaining_s=0))
    state = {
        "chain_id": CHAIN_ID,
        "auth": {},
        "bank": {"balances": {addr_of(ALICE).hex(): 10_000}},
        "beacon": {"seed": ""},
        "producers": {"params": params, "founders": []},  # founders: genesis.json's validators
    }
    req = abci.RequestInitChain(
        chain_id=CHAIN_ID,
        time=timestamp(0),
        initial_height=1,
        app_state_bytes=json.dumps(state).encode(),
        validators=[
            abci.ValidatorUpdate(pub_key=keys_pb2.PublicKey(ed25519=bytes(k.verify_key)), power=1)
            for k in VALIDATORS
        ],
    )
    req.consensus_params.abci.vote_extensions_enable_height = enable
    return app.init_chain(req)


@dataclass
class Driver:
    """Plays CometBFT for one app: votes of the set at H-1, proposal, process, finalize, commit."""

    app: Application
    valsets: dict[int, dict[bytes, int]] = field(default_factory=dict)
    results: dict[int, abci.ResponseFinalizeBlock] = field(default_factory=dict)

    def __post_init__(self) -> None:
        genesis = {validator_address(bytes(k.verify_key)): 1 for k in VALIDATORS}
        self.valsets = {1: genesis, 2: dict(genesis)}

    def extended_commit(self, height: int) -> abci.ExtendedCommitInfo:
        votes = []
        for addr, power in sorted(self.valsets[height].items(), key=lambda kv: (-kv[1], kv[0])):
            pos = position(EPOCH, height)
            ext = encode_extension(pos.phase, derive_secret(SEEDS[addr], CHAIN_ID, pos.epoch))
            sig = KEY_OF[addr].sign(vote_extension_sign_bytes(CHAIN_ID, height, 0, ext)).signature
            votes.append(
                abci.ExtendedVoteInfo(
                    validator=abci.Validator(address=addr, power=power),
                    block_id_flag=2,  # type: ignore[arg-type]
                    vote_extension=ext,
                    extension_signature=sig,
                )
            )
        return abci.ExtendedCommitInfo(round=0, votes=votes)

    def propose(self, height: int, mempool: list[bytes]) -> tuple[list[bytes], abci.CommitInfo]:
        ec = self.extended_commit(height - 1) if height > 1 else abci.ExtendedCommitInfo()
        last = abci.CommitInfo(
            round=ec.round,
            votes=[abci.VoteInfo(validator=v.validator, block_id_flag=v.block_id_flag) for v in ec.votes],
        )
        req = abci.RequestPrepareProposal(
            height=height, time=timestamp(height), txs=mempool, local_last_commit=ec, max_tx_bytes=1 << 20
        )
        return list(self.app.prepare_proposal(req).txs), last

    def process(self, height: int, txs: list[bytes], last: abci.CommitInfo) -> int:
        req = abci.RequestProcessProposal(
            height=height, time=timestamp(height), txs=txs, proposed_last_commit=last
        )
        status: int = self.app.process_proposal(req).status
        return status

    def block(
        self, height: int, mempool: list[bytes] | None = None, evidence: list[abci.Misbehavior] | None = None
    ) -> abci.ResponseFinalizeBlock:
        txs, last = self.propose(height, list(mempool or []))
        assert self.process(height, txs, last) == ACCEPT
        req = abci.RequestFinalizeBlock(
            height=height, time=timestamp(height), txs=txs, decided_last_commit=last, misbehavior=evidence
        )
        res = self.app.finalize_block(req)
        self.app.commit(abci.RequestCommit())
        self.valsets[height + 2] = apply_updates(self.valsets[height + 1], res.validator_updates)
        self.results[height] = res
        return res


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Driver]:
    app = _app(tmp_path)
    resp = _init(app)
    assert resp.consensus_params.abci.vote_extensions_enable_height == 1
    yield Driver(app)
    app.close()


def test_blocks_carry_the_commit_info_and_committees_change_at_decision_heights(driver: Driver) -> None:
    send = encode_tx(ALICE, 0, [Send(addr_of(BOB), 5)])
    first = driver.block(1, [send])
    assert len(first.tx_results) == 1 and first.tx_results[0].code == 0
    for h in range(2, 3 * EPOCH + 1):
        res = driver.block(h)
        assert res.tx_results[0].code == 0  # the commit-info tx
        if (h + 1) % EPOCH == 0:
            # 3 candidates, 2 seats (the first decision must drop a founder; later ones may keep
            # the same committee, which needs no update)
            assert bool(res.validator_updates) or h > EPOCH, h
            assert len(driver.valsets[h + 2]) == 2
        else:
            assert not res.validator_updates, h
    # the committee CometBFT would run equals the app's own record
    answer = json.loads(driver.app.query(abci.RequestQuery(path="/producers/validators")).value)
    assert {bytes.fromhex(v["validator_address"]) for v in answer} == set(driver.valsets[3 * EPOCH + 2])
    seed = json.loads(driver.app.query(abci.RequestQuery(path="/beacon/seed")).value)
    assert seed["epoch"] == 2


def _query(driver: Driver, path: str, **args: object) -> Any:
    res = driver.app.query(abci.RequestQuery(path=path, data=json.dumps(args).encode()))
    assert res.code == 0, res.log
    return json.loads(res.value)


def test_committee_and_slash_records_through_finalize_block_and_queries(driver: Driver) -> None:
    for h in range(1, EPOCH + 3):
        driver.block(h)
    # epoch 1 (heights 7-12) runs the committee decided at 5; its record is what CometBFT runs
    record = _query(driver, "/producers/committee")
    assert record["epoch"] == 1 and record["decided_height"] == EPOCH - 1 and record["drawn"]
    members = {bytes.fromhex(m["validator_address"]): m["power"] for m in record["members"]}
    assert members == driver.valsets[EPOCH + 1]
    beacon = _query(driver, "/beacon/state")
    assert beacon["epoch"] == 1 and beacon["committed"] == 2  # both members' commit-phase extensions
    offender = sorted(members)[0]
    evidence = abci.Misbehavior(
        type=abci.MisbehaviorType.DUPLICATE_VOTE,
        validator=abci.Validator(address=offender, power=1),
        height=EPOCH + 1,
    )
    res = driver.block(EPOCH + 3, evidence=[evidence])
    assert [(u.pub_key.ed25519, u.power) for u in res.validator_updates] == [
        (KEY_OF[offender].verify_key.encode(), 0)
    ]
    [slash] = _query(driver, "/producers/slashes")["records"]
    assert (slash["kind"], slash["validator_address"], slash["offence_height"]) == (
        "duplicate_vote",
        offender.hex().upper(),
        EPOCH + 1,
    )
    stake = 100 * (sorted(SEEDS).index(offender) + 1)  # _app's block_production stakes
    assert (slash["height"], slash["epoch"], slash["burned"]) == (EPOCH + 3, 1, stake * 50_000 // 1_000_000)
    assert slash["member"] == to_bech32(offender)  # founders are bound to their own key's account


def test_proposals_without_a_sound_commit_info_tx_are_rejected(driver: Driver) -> None:
    driver.block(1)
    txs, last = driver.propose(2, [])
    assert is_injection(txs[0])
    assert driver.process(2, txs, last) == ACCEPT
    assert driver.process(2, txs[1:], last) == REJECT  # missing
    forged = driver.extended_commit(1)
    forged.votes[0].vote_extension = b"\x01" + bytes(32)  # signature no longer matches
    assert driver.process(2, [encode_injection(forged)], last) == REJECT
    assert driver.process(2, [*txs, txs[0]], last) == REJECT  # twice


def test_a_commit_info_tx_from_the_mempool_never_gets_in(driver: Driver) -> None:
    lookalike = encode_injection(abci.ExtendedCommitInfo())
    assert driver.app.check_tx(abci.RequestCheckTx(tx=lookalike)).code != 0
    driver.block(1)
    txs, _ = driver.propose(2, [lookalike])
    assert txs.count(lookalike) == 0 and is_injection(txs[0])


def test_own_vote_extension_round_trips(driver: Driver) -> None:
    for h in (1, EPOCH // 2 + 1, EPOCH - 1):
        ext = driver.app.extend_vote(abci.RequestExtendVote(height=h)).vote_extension
        req = abci.RequestVerifyVoteExtension(validator_address=bytes(20), height=h, vote_extension=ext)
        assert driver.app.verify_vote_extension(req).status == abci.ResponseVerifyVoteExtension.ACCEPT
    junk = abci.RequestVerifyVoteExtension(validator_address=bytes(20), height=1, vote_extension=b"junk")
    assert driver.app.verify_vote_extension(junk).status == abci.ResponseVerifyVoteExtension.REJECT


def test_a_restarted_app_continues_with_the_same_hashes(tmp_path: Path) -> None:
    straight = Driver(_app(tmp_path / "a"))
    _init(straight.app)
    for h in range(1, 2 * EPOCH + 2):
        straight.block(h)
    app = _app(tmp_path / "b", node=1)  # another node's beacon seed: state must not depend on it
    _init(app)
    resumed = Driver(app)
    for h in range(1, EPOCH + 1):
        resumed.block(h)
    app.close()
    resumed.app = _app(tmp_path / "b", node=1)
    assert resumed.app.info(abci.RequestInfo()).last_block_height == EPOCH
    for h in range(EPOCH + 1, 2 * EPOCH + 2):
        resumed.block(h)
    for h in range(1, 2 * EPOCH + 2):
        assert resumed.results[h].app_hash == straight.results[h].app_hash, h
    straight.app.close()
    resumed.app.close()


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Driver]]:
    """Two nodes (their own beacon secrets) that committed the same 3 blocks."""
    drivers = [Driver(_app(tmp_path_factory.mktemp(f"node{i}"), node=i)) for i in range(2)]
    for d in drivers:
        _init(d.app)
    for h in range(1, TAMPER_HEIGHT):
        txs, last = drivers[0].propose(h, [])
        for d in drivers:
            assert d.process(h, txs, last) == ACCEPT
            res = d.app.finalize_block(
                abci.RequestFinalizeBlock(height=h, time=timestamp(h), txs=txs, decided_last_commit=last)
            )
            d.app.commit(abci.RequestCommit())
            d.valsets[h + 2] = apply_updates(d.valsets[h + 1], res.validator_updates)
    yield drivers
    for d in drivers:
        d.app.close()


TAMPER_HEIGHT = 4


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # type: ignore[untyped-decorator]
@given(  # type: ignore[untyped-decorator]
    edits=st.lists(st.tuples(st.integers(0, 4095), st.integers(0, 255)), max_size=3),
    cut=st.integers(0, 8),
    junk=st.lists(st.binary(max_size=64), max_size=2),
    drop_vote=st.one_of(st.none(), st.integers(0, 2)),
    flag=st.sampled_from([None, 0, 1, 3, 9]),
)
def test_a_tampered_proposal_gets_the_same_verdict_and_the_same_block_on_every_node(
    two_nodes: list[Driver],
    edits: list[tuple[int, int]],
    cut: int,
    junk: list[bytes],
    drop_vote: int | None,
    flag: int | None,
) -> None:
    """A proposer may send anything: bytes edited into (or cut from) the commit-info tx, junk txs,
    a vote left out of its last commit or a vote's flag changed. Every node answers ACCEPT or
    REJECT (anything else halts CometBFT), all the same, and a block they accept executes to the
    same app hash on each of them without raising."""
    honest, last = two_nodes[0].propose(TAMPER_HEIGHT, [encode_tx(ALICE, 0, [Send(addr_of(BOB), 5)])])
    injection = bytearray(honest[0])
    for pos, value in edits:
        injection[pos % len(injection)] = value
    txs = [bytes(injection[: len(injection) - cut]), *honest[1:], *junk]
    votes = list(last.votes)
    if drop_vote is not None and drop_vote < len(votes):
        del votes[drop_vote]
    if flag is not None and votes:
        votes[0] = abci.VoteInfo(validator=votes[0].validator, block_id_flag=flag)  # type: ignore[arg-type]
    commit = abci.CommitInfo(round=last.round, votes=votes)

    verdicts = {d.process(TAMPER_HEIGHT, txs, commit) for d in two_nodes}
    assert len(verdicts) == 1 and verdicts <= {ACCEPT, REJECT}, verdicts
    if verdicts == {ACCEPT}:
        req = abci.RequestFinalizeBlock(
            height=TAMPER_HEIGHT, time=timestamp(TAMPER_HEIGHT), txs=txs, decided_last_commit=commit
        )
        hashes = {d.app.finalize_block(req).app_hash for d in two_nodes}  # never committed
        assert len(hashes) == 1
    if not (edits or cut or junk or drop_vote is not None or flag is not None):
        assert verdicts == {ACCEPT}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # type: ignore[untyped-decorator]
@given(  # type: ignore[untyped-decorator]
    extension=st.one_of(st.binary(max_size=80), st.sampled_from([b"\x01" + bytes(32), b"\x02" + bytes(32)])),
    height=st.integers(0, 2**63 - 1) | st.integers(0, 3 * EPOCH),
    validator=st.one_of(st.sampled_from(sorted(SEEDS)), st.binary(max_size=24)),
)
def test_any_vote_extension_is_accepted_or_rejected_alike_on_every_node(
    two_nodes: list[Driver], extension: bytes, height: int, validator: bytes
) -> None:
    req = abci.RequestVerifyVoteExtension(
        validator_address=validator, height=height, vote_extension=extension
    )
    statuses = {d.app.verify_vote_extension(req).status for d in two_nodes}
    accept, reject = abci.ResponseVerifyVoteExtension.ACCEPT, abci.ResponseVerifyVoteExtension.REJECT
    assert len(statuses) == 1 and statuses <= {accept, reject}, statuses
