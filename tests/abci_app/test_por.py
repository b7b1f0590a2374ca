"""PoR hooks driven the way CometBFT drives them, without CometBFT: a few validators extend and
sign votes, a proposer injects the commit info, every block is processed and finalized, and
validator updates take effect two heights later."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from abci_app.pb.tendermint.abci import types_pb2 as abci_pb
from abci_app.pb.tendermint.crypto import keys_pb2
from abci_app.pb.tendermint.types import params_pb2
from abci_app.por import PorAbci
from abci_app.vote_extensions import (
    INJECTION_MAGIC,
    encode_injection,
    is_injection,
    vote_extension_sign_bytes,
)
from modules.core.errors import GenesisError
from modules.producers.keys import SMALL_ORDER_ENCODINGS, validator_address
from modules.producers.types import FLAG_ABSENT, FLAG_COMMIT, Params
from tests.modules.producers.por_fakes import CHAIN_ID, Node, World, ctx_at, make_world

L = 10
ACCEPT = abci_pb.ResponseVerifyVoteExtension.ACCEPT


@dataclass
class Chain:
    world: World
    hooks: dict[bytes, PorAbci]  # validator address -> that node's hooks (its own beacon seed)
    nodes: dict[bytes, Node]
    valsets: dict[int, dict[bytes, int]] = field(default_factory=dict)  # height -> {address: power}
    offline: set[bytes] = field(default_factory=set)  # validators that do not vote
    updates: dict[int, list[abci_pb.ValidatorUpdate]] = field(default_factory=dict)

    def hooks_of_any(self) -> PorAbci:
        return next(iter(self.hooks.values()))


def _chain(n: int = 6, founders: int = 4, **params: int) -> Chain:
    p = Params(epoch_length=L, committee_size=4, min_stake_remaining_s=0, **params)
    w = make_world(p, n_nodes=n, founders=founders)
    for i, node in enumerate(w.nodes):
        if i >= founders:
            w.register(node)
        w.availability.add(node.member, 100 + 10 * i)
    nodes = {validator_address(node.pub_key): node for node in w.nodes}
    hooks = {addr: PorAbci(w.producers, w.beacon, bytes([i + 100]) * 32) for i, addr in enumerate(nodes)}
    chain = Chain(w, hooks, nodes)
    genesis = {validator_address(nd.pub_key): 1 for nd in w.nodes[:founders]}
    chain.valsets[1] = chain.valsets[2] = genesis
    return chain


def _sorted_set(valset: dict[bytes, int]) -> list[tuple[bytes, int]]:
    """CometBFT's order: voting power descending, then address ascending."""
    return sorted(valset.items(), key=lambda item: (-item[1], item[0]))


def _extended_commit(chain: Chain, height: int) -> abci_pb.ExtendedCommitInfo:
    """What the proposer's CometBFT hands PrepareProposal at ``height + 1``."""
    ctx = ctx_at(chain.world.store, height)
    votes = []
    for addr, power in _sorted_set(chain.valsets[height]):
        vote = abci_pb.ExtendedVoteInfo(validator=abci_pb.Validator(address=addr, power=power))
        if addr in chain.offline:
            vote.block_id_flag = FLAG_ABSENT  # type: ignore[assignment]
        else:
            ext = chain.hooks[addr].extend_vote(ctx, abci_pb.RequestExtendVote(height=height)).vote_extension
            # every other validator's app must accept it
            req = abci_pb.RequestVerifyVoteExtension(
                validator_address=addr, height=height, vote_extension=ext
            )
            assert chain.hooks_of_any().verify_vote_extension(ctx, req).status == ACCEPT
            key = chain.nodes[addr].signing_key
            vote.block_id_flag = FLAG_COMMIT  # type: ignore[assignment]
            vote.vote_extension = ext
            vote.extension_signature = key.sign(vote_extension_sign_bytes(CHAIN_ID, height, 0, ext)).signature
        votes.append(vote)
    return abci_pb.ExtendedCommitInfo(round=0, votes=votes)


def _commit_info(ec: abci_pb.ExtendedCommitInfo) -> abci_pb.CommitInfo:
    return abci_pb.CommitInfo(
        round=ec.round,
        votes=[abci_pb.VoteInfo(validator=v.validator, block_id_flag=v.block_id_flag) for v in ec.votes],
    )


def _run_block(chain: Chain, height: int, user_txs: list[bytes] | None = None) -> list[bytes]:
    store = chain.world.store
    ctx = ctx_at(store, height)
    hooks = chain.hooks_of_any()
    if height > 1:
        ec = _extended_commit(chain, height - 1)
        last = _commit_info(ec)
    else:
        ec, last = abci_pb.ExtendedCommitInfo(), abci_pb.CommitInfo()
    prep = abci_pb.RequestPrepareProposal(max_tx_bytes=1 << 20, local_last_commit=ec, height=height)
    inj = hooks.commit_info_tx(prep)
    txs = ([inj] if inj is not None else []) + list(user_txs or [])
    proc = abci_pb.RequestProcessProposal(txs=txs, proposed_last_commit=last, height=height)
    assert hooks.process_proposal(ctx, proc) is None
    fin = abci_pb.RequestFinalizeBlock(txs=txs, decided_last_commit=last, height=height)
    hooks.begin_block(ctx, fin)
    updates = hooks.end_block(ctx)
    chain.updates[height] = updates
    nxt = dict(chain.valsets[height + 1])
    for u in updates:
        addr = validator_address(u.pub_key.ed25519)
        assert u.power >= 0
        if u.power == 0:
            nxt.pop(addr)
        else:
            nxt[addr] = u.power
    chain.valsets[height + 2] = nxt  # CometBFT: updates at H validate from H + 2
    return txs


def test_committees_rotate_each_epoch_and_follow_the_app() -> None:
    chain = _chain()
    for h in range(1, 3 * L + 1):
        txs = _run_block(chain, h)
        assert [is_injection(tx) for tx in txs] == ([True] if h > 1 else [])
        ctx = ctx_at(chain.world.store, h)
        if (h + 1) % L == 0:
            # the set CometBFT will hold from h + 2 is the app's chosen committee
            ours = {v.validator_address: v.power for v in chain.world.producers.validator_set(ctx)}
            assert chain.valsets[h + 2] == ours and len(ours) == 4
            assert chain.world.beacon.seed_epoch(ctx) == (h + 1) // L - 1
        else:
            assert chain.updates[h] == []
    # every height validated by the committee of its epoch
    for e in (1, 2):
        sets = {tuple(sorted(chain.valsets[h])) for h in range(e * L + 1, (e + 1) * L + 1)}
        assert len(sets) == 1


def test_every_honest_member_commits_and_reveals() -> None:
    chain = _chain()
    world = chain.world
    for h in range(1, L - 1):  # through D_0 - 1: every reveal of epoch 0 is in
        _run_block(chain, h)
    ctx = ctx_at(world.store, L - 1)
    members = sorted(chain.valsets[1])
    assert world.beacon.committers(ctx, 0) == members
    assert all(world.beacon.has_revealed(ctx, 0, a) for a in members)
    _run_block(chain, L - 1)
    assert world.availability.burned == {}


def test_a_member_that_goes_silent_after_committing_is_penalised() -> None:
    chain = _chain(slash_non_reveal_ppm=100_000)
    world = chain.world
    silent = sorted(chain.valsets[1])[0]
    for h in range(1, L):
        if h == L // 2 + 1:  # from the first reveal-phase vote on, it does not vote
            chain.offline.add(silent)
        _run_block(chain, h)
    member = chain.nodes[silent].member
    stake = 100 + 10 * [n.member for n in world.nodes].index(member)
    assert world.availability.burned == {member: stake // 10}
    # and it is left out of the next committee
    assert silent not in chain.valsets[L + 1]


def test_the_same_blocks_give_the_same_state_on_another_node() -> None:
    a, b = _chain(), _chain()
    for h in range(1, 2 * L + 1):
        assert _run_block(a, h) == _run_block(b, h)
    assert a.world.store.items() == b.world.store.items()


def test_commit_info_tx_is_the_local_last_commit() -> None:
    chain = _chain()
    hooks = chain.hooks_of_any()
    assert hooks.commit_info_tx(abci_pb.RequestPrepareProposal(height=1)) is None
    _run_block(chain, 1)
    ec = _extended_commit(chain, 1)
    tx = hooks.commit_info_tx(abci_pb.RequestPrepareProposal(local_last_commit=ec, height=2))
    assert tx is not None and is_injection(tx)
    parsed = abci_pb.ExtendedCommitInfo()
    parsed.ParseFromString(tx[len(INJECTION_MAGIC) :])
    assert parsed == ec


def _proposal(chain: Chain, height: int, txs: list[bytes]) -> str | None:
    ec = _extended_commit(chain, height - 1)
    req = abci_pb.RequestProcessProposal(txs=txs, proposed_last_commit=_commit_info(ec), height=height)
    return chain.hooks_of_any().process_proposal(ctx_at(chain.world.store, height), req)


def test_process_proposal_rejects_blocks_without_a_sound_commit_info_tx() -> None:
    chain = _chain()
    _run_block(chain, 1)
    inj = encode_injection(_extended_commit(chain, 1))
    assert _proposal(chain, 2, [inj, b"\x0a\x01a"]) is None
    assert _proposal(chain, 2, [b"\x0a\x01a"]) is not None  # missing
    assert _proposal(chain, 2, [b"\x0a\x01a", inj]) is not None  # not first
    assert _proposal(chain, 2, [inj, inj]) is not None  # twice
    tampered = bytearray(inj)
    tampered[-1] ^= 1
    assert _proposal(chain, 2, [bytes(tampered)]) is not None
    # block 1 has no last commit, so it must carry no commit-info tx
    req = abci_pb.RequestProcessProposal(txs=[inj], height=1)
    assert chain.hooks_of_any().process_proposal(ctx_at(chain.world.store, 1), req) is not None


def test_verify_vote_extension_checks_the_phase_format() -> None:
    chain = _chain()
    hooks = chain.hooks_of_any()
    ctx = ctx_at(chain.world.store, 1)

    def status(height: int, ext: bytes) -> int:
        req = abci_pb.RequestVerifyVoteExtension(
            validator_address=bytes(20), height=height, vote_extension=ext
        )
        return int(hooks.verify_vote_extension(ctx, req).status)

    reject = abci_pb.ResponseVerifyVoteExtension.REJECT
    assert status(1, b"\x01" + bytes(32)) == ACCEPT  # commit phase
    assert status(1, b"\x02" + bytes(32)) == reject
    assert status(L // 2 + 1, b"\x02" + bytes(32)) == ACCEPT  # reveal phase
    assert status(L - 1, b"\x02" + bytes(32)) == reject  # quiet
    assert status(L - 1, b"") == ACCEPT
    assert status(1, b"\x01" * 1000) == reject


def _init_req(chain: Chain, validators: list[tuple[bytes, int]], enable: int = 1) -> abci_pb.RequestInitChain:
    return _init_req_plain(validators, enable)


def _init_req_plain(validators: list[tuple[bytes, int]], enable: int = 1) -> abci_pb.RequestInitChain:
    return abci_pb.RequestInitChain(
        chain_id=CHAIN_ID,
        initial_height=1,
        consensus_params=params_pb2.ConsensusParams(
            abci=params_pb2.ABCIParams(vote_extensions_enable_height=enable)
        ),
        validators=[
            abci_pb.ValidatorUpdate(pub_key=keys_pb2.PublicKey(ed25519=k), power=p) for k, p in validators
        ],
    )


def test_init_chain_checks_founders_and_turns_extensions_on() -> None:
    chain = _chain(founders=2)
    hooks = chain.hooks_of_any()
    ctx = ctx_at(chain.world.store, 1)
    founders = [(n.pub_key, 1) for n in chain.world.nodes[:2]]
    resp = hooks.init_chain(ctx, _init_req(chain, founders))
    assert list(resp.validators) == [] and not resp.HasField("consensus_params")
    # genesis.json without validators: the founders are answered
    resp = hooks.init_chain(ctx, _init_req(chain, []))
    assert sorted((bytes(u.pub_key.ed25519), u.power) for u in resp.validators) == sorted(founders)
    # genesis with extensions off (CometBFT's default): turned on at the initial height
    resp = hooks.init_chain(ctx, _init_req(chain, founders, enable=0))
    assert resp.consensus_params.abci.vote_extensions_enable_height == 1
    assert not resp.consensus_params.HasField("block")  # other sections stay as genesis has them
    with pytest.raises(GenesisError, match="differ"):
        hooks.init_chain(ctx, _init_req(chain, founders[:1]))
    with pytest.raises(GenesisError, match="differ"):
        hooks.init_chain(ctx, _init_req(chain, [(founders[0][0], 2), founders[1]]))
    with pytest.raises(GenesisError, match="enable_height"):
        hooks.init_chain(ctx, _init_req(chain, founders, enable=5))


def test_without_founders_in_app_state_genesis_validators_become_the_founders() -> None:
    world = make_world(Params(epoch_length=L), n_nodes=2, founders=0)
    hooks = PorAbci(world.producers, world.beacon, None)
    ctx = ctx_at(world.store, 1)
    assert list(hooks.init_chain(ctx, _init_req_plain([])).validators) == []  # CometBFT refuses this
    assert world.producers.validator_set(ctx) == []
    keys = [(n.pub_key, 3) for n in world.nodes]
    assert list(hooks.init_chain(ctx, _init_req_plain(keys)).validators) == []
    got = {v.pub_key: (v.power, v.member) for v in world.producers.validator_set(ctx)}
    assert got == {k: (3, validator_address(k)) for k, _ in keys}
    assert world.producers.pub_key_of_validator(ctx, validator_address(keys[0][0])) == keys[0][0]


def test_genesis_validators_with_a_small_order_key_are_refused() -> None:
    world = make_world(Params(epoch_length=L), n_nodes=1, founders=0)
    hooks = PorAbci(world.producers, world.beacon, None)
    with pytest.raises(GenesisError, match="small order"):
        hooks.init_chain(ctx_at(world.store, 1), _init_req_plain([(sorted(SMALL_ORDER_ENCODINGS)[1], 1)]))
