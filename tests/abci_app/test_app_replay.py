"""A tx CheckTx ran is not run again in recheck and FinalizeBlock where its recorded effects hold
(abci_app/execution.py, modules/core/replay.py): the answers, events and app hashes are exactly
those of a node that runs every tx every time, and of one that never saw the txs before the block."""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Sequence
from pathlib import Path

import pytest
from app_fakes import addr_of, check, finalize, keys, timestamp

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.txcodec import sign_tx
from abci_app.wiring import default_wiring
from genesis.accounts import add_account
from genesis.app_state import build_app_state
from modules.auth.keeper import decode_account
from modules.bank.keeper import FEE_COLLECTOR, module_address
from modules.bank.types import MsgSend

CHAIN = "replay-chain"
ACCOUNTS = keys(6)
ADDRESSES = [addr_of(k) for k in ACCOUNTS]
FEE = 3  # auth's default min_fee is 1 per message


def _app(path: Path, replay: bool) -> Application:
    wiring = default_wiring()
    if not replay:
        wiring = dataclasses.replace(wiring, replayable_msgs=frozenset())
    app = Application(path, wiring, verify_workers=0)
    app_state = build_app_state(wiring.modules, {"chain_id": CHAIN})
    for i, address in enumerate(ADDRESSES[:4]):
        add_account(app_state, address, 300 + 200 * i)
    app.init_chain(
        abci.RequestInitChain(
            chain_id=CHAIN,
            initial_height=1,
            time=timestamp(0),
            app_state_bytes=json.dumps(app_state).encode(),
        )
    )
    return app


def _next_nonce(app: Application, sender: int) -> int:
    """The nonce ``sender``'s next tx needs on ``app``'s check state."""
    value = app._check.get(b"auth/a/" + ADDRESSES[sender])
    return 0 if value is None else decode_account(ADDRESSES[sender], value).nonce


def _tx(rng: random.Random, app: Application) -> bytes:
    """A transfer (sometimes two, to itself, to a blocked module account, over the balance, with a
    stale or future nonce)."""
    sender = rng.randrange(len(ACCOUNTS))
    nonce = max(_next_nonce(app, sender) + rng.choice((0, 0, 0, 0, 0, 0, 1, -1)), 0)
    msgs = []
    for _ in range(rng.choice((1, 1, 1, 2))):
        pick = rng.random()
        if pick < 0.05:
            to = module_address(FEE_COLLECTOR)
        elif pick < 0.12:
            to = ADDRESSES[sender]
        else:
            to = ADDRESSES[rng.randrange(len(ADDRESSES))]
        msgs.append(MsgSend(to=to, amount=rng.choice((rng.randint(1, 60), rng.randint(1, 60), 400))))
    fee = FEE * len(msgs) + rng.choice((0, 0, 1, 50))
    return sign_tx(bytes(ACCOUNTS[sender]), msgs, chain_id=CHAIN, nonce=nonce, fee=fee)


def _send(sender: int, recipient: int, amount: int) -> bytes:
    msgs = [MsgSend(to=ADDRESSES[recipient], amount=amount)]
    return sign_tx(bytes(ACCOUNTS[sender]), msgs, chain_id=CHAIN, nonce=0, fee=FEE)


def _answer(resp: abci.ResponseCheckTx) -> tuple[int, str, str]:
    return resp.code, resp.codespace, resp.log


def _block(apps: Sequence[Application], height: int, txs: list[bytes]) -> bytes:
    """FinalizeBlock + Commit on every app; their responses must be byte-identical."""
    answers = {finalize(app, height, txs).SerializeToString(deterministic=True) for app in apps}
    assert len(answers) == 1, f"height {height}: the nodes disagree"
    for app in apps:
        app.commit(abci.RequestCommit())
    return answers.pop()


@pytest.mark.parametrize("seed", range(4))
def test_replayed_checks_and_blocks_match_running_every_tx(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    replaying, running = _app(tmp_path / "replaying", True), _app(tmp_path / "running", False)
    cold = _app(tmp_path / "cold", True)  # sees each tx first in a block: runs them all there
    mempool: list[bytes] = []
    for height in range(1, 25):
        for _ in range(rng.randint(0, 12)):
            raw = _tx(rng, replaying)
            answers = {_answer(check(app, raw)) for app in (replaying, running)}
            assert len(answers) == 1, "CheckTx answers differ"
            if answers.pop()[0] == 0:
                mempool.append(raw)
        # A proposer's choice: some of the mempool, in its order or not, and txs nobody checked.
        block = [raw for raw in mempool if rng.random() < 0.7]
        if rng.random() < 0.3:
            rng.shuffle(block)
        block += [_tx(rng, cold) for _ in range(rng.randint(0, 3))]
        if block and rng.random() < 0.2:
            block.append(block[0])  # a duplicate: its second run fails on the nonce
        _block((replaying, running, cold), height, block)
        mempool = [raw for raw in mempool if raw not in block]
        kept = []
        for raw in mempool:  # CometBFT rechecks what is left, in mempool order
            answers = {_answer(check(app, raw, recheck=True)) for app in (replaying, running)}
            assert len(answers) == 1, "recheck answers differ"
            if answers.pop()[0] == 0:
                kept.append(raw)
        mempool = kept
    # the comparisons above covered replayed txs, not only runs
    runner = replaying._runner
    assert runner.replayed_checks > 0 and runner.replayed_delivers > 0


def _count_runs(app: Application) -> list[object]:
    runs: list[object] = []
    run = app._runner.run
    app._runner.run = lambda *args: runs.append(args[3]) or run(*args)  # type: ignore[method-assign]
    return runs


def test_a_new_check_runs_and_records_nothing(tmp_path: Path) -> None:
    app = _app(tmp_path / "a", True)
    assert check(app, _send(0, 1, 5)).code == 0
    assert len(app._runner.effects) == 0  # (most txs enter the next block unrechecked)


def test_a_block_replays_what_a_recheck_recorded_and_runs_the_rest(tmp_path: Path) -> None:
    app = _app(tmp_path / "a", True)
    first, second = _send(0, 1, 5), _send(1, 2, 5)
    assert check(app, first).code == 0 and check(app, second).code == 0
    finalize(app, 1, [])
    app.commit(abci.RequestCommit())
    assert check(app, first, recheck=True).code == 0  # runs, and records
    assert len(app._runner.effects) == 1
    runs = _count_runs(app)
    resp = finalize(app, 2, [first, second])
    assert [r.code for r in resp.tx_results] == [0, 0]
    assert len(runs) == 1  # only `second` ran; `first` was replayed, events and all
    assert [e.type for e in resp.tx_results[0].events] == [e.type for e in resp.tx_results[1].events]
    assert len(app._runner.effects) == 0


def test_later_rechecks_replay_while_the_tx_s_reads_hold(tmp_path: Path) -> None:
    app = _app(tmp_path / "a", True)
    mine = _send(0, 1, 5)
    assert check(app, mine).code == 0
    for height, block in ((1, []), (2, [_send(2, 0, 1)])):  # the second pays mine's sender: a counter
        finalize(app, height, block)
        app.commit(abci.RequestCommit())
        assert check(app, mine, recheck=True).code == 0
    assert app._runner.replayed_checks == 1  # the first recheck ran and recorded, the second replayed
    # Another tx of the same sender in a block changes its account (the nonce): the recheck runs.
    runs = _count_runs(app)
    finalize(app, 3, [_send(0, 1, 30)])
    app.commit(abci.RequestCommit())
    assert check(app, mine, recheck=True).code != 0  # stale nonce: it ran, and failed
    assert len(runs) == 1 and app._runner.replayed_checks == 1
