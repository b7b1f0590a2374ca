"""The Application driven directly with protobuf requests: genesis, CheckTx, blocks, queries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_fakes import (
    CHAIN_ID,
    FEE_COLLECTOR,
    MIN_FEE,
    Boom,
    Fail,
    FakeCodec,
    Send,
    addr_of,
    check,
    encode_tx,
    finalize,
    init_chain,
    keys,
    new_app,
    query,
    resign,
    run_block,
)

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.queries import CODE_INTERNAL
from modules.core.errors import GenesisError

ALICE, BOB, CAROL = keys(3)
FUNDS = 1_000


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Application]:
    a = new_app(tmp_path)
    init_chain(a, {addr_of(ALICE): FUNDS, addr_of(BOB): FUNDS})
    yield a
    a.close()


def balance(app: Application, addr: bytes) -> int:
    res = query(app, "/bank/balance", {"address": addr.hex()})
    assert res.code == 0, res.log
    return int(json.loads(res.value)["amount"])


def total(app: Application, *addrs: bytes) -> int:
    return sum(balance(app, a) for a in (*addrs, FEE_COLLECTOR))


# --- Info / InitChain ---


def test_info_before_and_after_genesis_and_first_commit(tmp_path: Path) -> None:
    app = new_app(tmp_path)
    info = app.info(abci.RequestInfo())
    assert (info.last_block_height, info.last_block_app_hash) == (0, b"")
    genesis_hash = init_chain(app, {addr_of(ALICE): 5})
    assert len(genesis_hash) == 32
    assert app.info(abci.RequestInfo()).last_block_height == 0  # genesis is durable only at Commit
    res = run_block(app, 1, [])
    info = app.info(abci.RequestInfo())
    assert info.last_block_height == 1
    assert info.last_block_app_hash == res.app_hash
    assert info.app_version == 1
    app.close()


def test_genesis_hash_depends_on_genesis_state(tmp_path: Path) -> None:
    hashes = set()
    for i, funds in enumerate([5, 5, 6]):
        app = new_app(tmp_path / str(i))
        hashes.add(init_chain(app, {addr_of(ALICE): funds}))
        app.close()
    assert len(hashes) == 2


VALID_STATE: dict[str, Any] = {"chain_id": CHAIN_ID, "auth": {}, "bank": {"balances": {}}, "hooks": {}}


@pytest.mark.parametrize(
    "app_state",
    [
        b"not json",
        b"[1, 2]",
        b'{"chain_id": "test-chain", "chain_id": "test-chain", "auth": {}, "bank": {}, "hooks": {}}',
        json.dumps({**VALID_STATE, "chain_id": "other-chain"}).encode(),
        json.dumps({**VALID_STATE, "nosuchmodule": {}}).encode(),
        json.dumps({k: v for k, v in VALID_STATE.items() if k != "bank"}).encode(),
        json.dumps({**VALID_STATE, "bank": {"balances": {"zz": 5}}}).encode(),
        json.dumps({**VALID_STATE, "bank": {"balances": {(b"\x01" * 20).hex(): -1}}}).encode(),
    ],
)
def test_invalid_genesis_refuses_to_start(tmp_path: Path, app_state: bytes) -> None:
    app = new_app(tmp_path)
    request = abci.RequestInitChain(chain_id=CHAIN_ID, initial_height=1, app_state_bytes=app_state)
    with pytest.raises(GenesisError):
        app.init_chain(request)
    assert check(app, encode_tx(ALICE, 0, [])).code != 0  # still not initialised
    app.init_chain(abci.RequestInitChain(chain_id=CHAIN_ID, app_state_bytes=json.dumps(VALID_STATE).encode()))
    app.close()


def test_init_chain_is_refused_once_blocks_are_committed(app: Application) -> None:
    run_block(app, 1, [])
    with pytest.raises(RuntimeError):
        init_chain(app, {})


def test_params_and_status_queries(app: Application) -> None:
    res = run_block(app, 1, [])
    params = json.loads(query(app, "/app/params").value)
    assert params["chain_id"] == CHAIN_ID
    assert params["initial_height"] == 1
    status = json.loads(query(app, "/app/status").value)
    assert status == {
        "chain_id": CHAIN_ID,
        "height": 1,
        "app_hash": res.app_hash.hex(),
        "block_time_ns": status["block_time_ns"],
    }
    assert status["block_time_ns"] > 0


# --- a block of transfers ---


def test_transfers_move_funds_charge_fees_and_conserve_supply(app: Application) -> None:
    txs = [
        encode_tx(ALICE, 0, [Send(addr_of(CAROL), 100)]),
        encode_tx(ALICE, 1, [Send(addr_of(BOB), 50)]),
        encode_tx(BOB, 0, [Send(addr_of(CAROL), 1)]),
    ]
    for raw in txs:
        assert check(app, raw).code == 0
    res = run_block(app, 1, txs)
    assert [r.code for r in res.tx_results] == [0, 0, 0]
    assert balance(app, addr_of(ALICE)) == FUNDS - 150 - 2 * MIN_FEE
    assert balance(app, addr_of(BOB)) == FUNDS + 50 - 1 - MIN_FEE
    assert balance(app, addr_of(CAROL)) == 101
    assert balance(app, FEE_COLLECTOR) == 3 * MIN_FEE
    assert total(app, addr_of(ALICE), addr_of(BOB), addr_of(CAROL)) == 2 * FUNDS
    transfer = [e for e in res.tx_results[0].events if e.type == "transfer"]
    assert {(a.key, a.value) for a in transfer[-1].attributes} >= {("amount", "100")}
    # the node indexes who, not how much (the default event_indexing: abci_app/events.py)
    flags = {a.key: a.index for a in transfer[-1].attributes}
    assert flags == {"sender": True, "recipient": True, "amount": False}


def test_one_result_per_tx_with_deterministic_codes(app: Application) -> None:
    txs = [
        b"\x00garbage",
        encode_tx(ALICE, 0, [Send(addr_of(CAROL), 1)]),
        encode_tx(ALICE, 0, [Send(addr_of(CAROL), 1)]),  # same nonce again: stale
        encode_tx(ALICE, 1, [Send(addr_of(CAROL), 10**9)]),  # insufficient funds in the message
        encode_tx(ALICE, 2, [Send(addr_of(CAROL), 1)], fee=1),  # fee too low
        encode_tx(CAROL, 0, [Send(addr_of(ALICE), 1)]),  # cannot pay the fee
        encode_tx(BOB, 0, [Send(addr_of(CAROL), 1)], chain_id="other-chain"),
        resign(encode_tx(BOB, 0, [Send(addr_of(CAROL), 1)]), CAROL),  # bad signature
    ]
    res = finalize(app, 1, txs)
    codes = [(r.codespace, r.code) for r in res.tx_results]
    assert codes == [
        ("tx", 1),
        ("", 0),
        ("auth", 3),
        ("bank", 2),
        ("auth", 4),
        ("bank", 2),
        ("tx", 8),
        ("tx", 7),
    ]
    assert all(r.log for r in res.tx_results if r.code)


def test_malformed_tx_changes_nothing(tmp_path: Path) -> None:
    hashes = []
    for i, txs in enumerate([[], [b"\x00garbage", b"", b"{}"]]):
        app = new_app(tmp_path / str(i))
        init_chain(app, {addr_of(ALICE): FUNDS})
        res = run_block(app, 1, txs)
        assert all(r.code != 0 for r in res.tx_results)
        hashes.append(res.app_hash)
        app.close()
    assert hashes[0] == hashes[1]


def test_failed_message_keeps_fee_and_nonce_but_drops_its_writes(app: Application) -> None:
    res = run_block(app, 1, [encode_tx(ALICE, 0, [Send(addr_of(CAROL), 7), Fail(code=9)])])
    assert (res.tx_results[0].codespace, res.tx_results[0].code) == ("fake", 9)
    assert "message 1" in res.tx_results[0].log
    assert balance(app, addr_of(ALICE)) == FUNDS - MIN_FEE  # fee charged, the send undone
    assert balance(app, addr_of(CAROL)) == 0
    assert balance(app, FEE_COLLECTOR) == MIN_FEE
    # the nonce was consumed: nonce 0 is now stale, nonce 1 is next
    res = run_block(app, 2, [encode_tx(ALICE, 0, [Send(addr_of(CAROL), 1)]), encode_tx(ALICE, 1, [])])
    assert [r.code for r in res.tx_results] == [3, 0]


def test_failed_ante_charges_nothing(app: Application) -> None:
    before = app.info(abci.RequestInfo())
    res = run_block(app, 1, [encode_tx(ALICE, 0, [], fee=MIN_FEE - 1)])
    assert res.tx_results[0].code == 4
    assert balance(app, addr_of(ALICE)) == FUNDS
    assert json.loads(query(app, "/auth/nonce", {"address": addr_of(ALICE).hex()}).value) == {"nonce": 0}
    assert app.info(abci.RequestInfo()).last_block_height == before.last_block_height + 1


def test_handler_bug_propagates_out_of_finalize_block(app: Application) -> None:
    with pytest.raises(RuntimeError, match="handler bug"):
        finalize(app, 1, [encode_tx(ALICE, 0, [Boom()])])


def test_block_hooks_run_around_txs_and_their_events_are_block_events(app: Application) -> None:
    res = finalize(app, 1, [])
    assert [e.type for e in res.events] == ["begin", "end"]
    assert res.events[0].attributes[0].value == "1"


def test_finalize_block_must_follow_the_committed_height(app: Application) -> None:
    with pytest.raises(RuntimeError):
        finalize(app, 2, [])
    run_block(app, 1, [])
    with pytest.raises(RuntimeError):
        finalize(app, 1, [])
    with pytest.raises(RuntimeError):
        app.commit(abci.RequestCommit())


def test_empty_blocks_keep_the_app_hash_and_writes_change_it(tmp_path: Path) -> None:
    app = new_app(tmp_path / "quiet")
    genesis = init_chain(app, {})
    assert run_block(app, 1, []).app_hash == genesis
    app.close()
    app = new_app(tmp_path / "busy", write_every_block=True)
    genesis = init_chain(app, {})
    h1 = run_block(app, 1, []).app_hash
    h2 = run_block(app, 2, []).app_hash
    assert len({genesis, h1, h2}) == 3
    app.close()


def test_initial_height_is_honoured(tmp_path: Path) -> None:
    app = new_app(tmp_path)
    init_chain(app, {addr_of(ALICE): FUNDS}, initial_height=1000)
    with pytest.raises(RuntimeError):
        finalize(app, 1, [])
    res = run_block(app, 1000, [encode_tx(ALICE, 0, [])])
    assert res.tx_results[0].code == 0
    assert app.info(abci.RequestInfo()).last_block_height == 1000
    app.close()


# --- CheckTx ---


def test_check_tx_tracks_nonces_in_the_check_state(app: Application) -> None:
    assert check(app, encode_tx(ALICE, 0, [Send(addr_of(CAROL), 1)])).code == 0
    assert check(app, encode_tx(ALICE, 0, [Send(addr_of(CAROL), 2)])).code == 3  # nonce now 1
    assert check(app, encode_tx(ALICE, 1, [Send(addr_of(CAROL), 1)])).code == 0
    assert check(app, encode_tx(ALICE, 5, [])).code == 3
    # nothing of this touched the block state: a block with nonce 0 still passes
    res = run_block(app, 1, [encode_tx(ALICE, 0, [])])
    assert res.tx_results[0].code == 0
    assert balance(app, addr_of(ALICE)) == FUNDS - MIN_FEE


def test_check_tx_between_finalize_and_commit_sees_the_state_before_the_block(app: Application) -> None:
    run_block(app, 1, [])
    finalize(app, 2, [encode_tx(ALICE, 0, [])])
    assert check(app, encode_tx(ALICE, 0, [])).code == 0  # the block is not committed yet
    app.commit(abci.RequestCommit())
    assert check(app, encode_tx(ALICE, 0, []), recheck=True).code == 3


def test_check_tx_rejects_failing_messages_without_consuming_the_nonce(app: Application) -> None:
    res = check(app, encode_tx(ALICE, 0, [Send(addr_of(CAROL), 10**9)]))
    assert (res.codespace, res.code) == ("bank", 2)
    assert check(app, encode_tx(ALICE, 0, [Send(addr_of(CAROL), 1)])).code == 0


def test_check_tx_can_skip_messages(tmp_path: Path) -> None:
    app = new_app(tmp_path, check_runs_msgs=False)
    init_chain(app, {addr_of(ALICE): FUNDS})
    assert check(app, encode_tx(ALICE, 0, [Send(addr_of(CAROL), 10**9)])).code == 0
    app.close()


def test_check_tx_error_codes(app: Application) -> None:
    assert (check(app, b"junk").codespace, check(app, b"junk").code) == ("tx", 1)
    wrong_chain = check(app, encode_tx(ALICE, 0, [], chain_id="x"))
    assert (wrong_chain.codespace, wrong_chain.code) == ("tx", 8)
    assert check(app, resign(encode_tx(ALICE, 0, []), BOB)).code == 7
    assert check(app, encode_tx(ALICE, 0, [], fee=0)).code == 4
    assert check(app, b"x" * (64 * 1024 + 1)).code == 2  # too large for the codec


def test_check_tx_before_genesis_is_an_error_code(tmp_path: Path) -> None:
    app = new_app(tmp_path)
    res = check(app, encode_tx(ALICE, 0, []))
    assert (res.codespace, res.code) == ("app", 1)
    app.close()


def test_recheck_evicts_txs_made_stale_by_the_block(app: Application) -> None:
    pending = [encode_tx(ALICE, n, [Send(addr_of(CAROL), 1)]) for n in range(3)]
    for raw in pending:
        assert check(app, raw).code == 0
    # a block includes only the first; the mempool rechecks the rest after Commit
    run_block(app, 1, pending[:1])
    assert [check(app, raw, recheck=True).code for raw in pending[1:]] == [0, 0]
    # another node's block spends nonce 1 differently: the mempool's nonce-1 tx is stale now,
    # while the nonce-2 tx is next in line
    run_block(app, 2, [encode_tx(ALICE, 1, [Send(addr_of(BOB), 5)])])
    assert [check(app, raw, recheck=True).code for raw in pending[1:]] == [3, 0]


def test_signature_is_verified_once_per_tx(tmp_path: Path) -> None:
    codec = FakeCodec()
    app = new_app(tmp_path, codec)
    init_chain(app, {addr_of(ALICE): FUNDS})
    txs = [encode_tx(ALICE, n, [Send(addr_of(CAROL), 1)]) for n in range(5)]
    for raw in txs:
        check(app, raw)
    assert (codec.decodes, codec.verifies) == (5, 5)
    app.process_proposal(abci.RequestProcessProposal(height=1, txs=txs))
    run_block(app, 1, txs)
    assert (codec.decodes, codec.verifies) == (5, 5)
    # a node that never saw the txs verifies each once, in FinalizeBlock
    other_codec = FakeCodec()
    other = new_app(tmp_path / "other", other_codec)
    init_chain(other, {addr_of(ALICE): FUNDS})
    run_block(other, 1, txs)
    assert other_codec.verifies == 5
    other.close()
    app.close()


# --- Query ---


def test_queries_read_committed_state_only(app: Application) -> None:
    assert query(app, "/app/status").height == 0
    assert balance(app, addr_of(ALICE)) == 0  # genesis becomes durable, and visible, at the first Commit
    run_block(app, 1, [])
    assert balance(app, addr_of(ALICE)) == FUNDS
    finalize(app, 2, [encode_tx(ALICE, 0, [Send(addr_of(CAROL), 100)])])
    assert balance(app, addr_of(CAROL)) == 0  # not committed yet
    app.commit(abci.RequestCommit())
    assert balance(app, addr_of(CAROL)) == 100
    assert query(app, "/app/status").height == 2


@pytest.mark.parametrize(
    ("path", "data", "code"),
    [
        ("/nope/x", b"", 1),
        ("/bank/balance", b"not json", 2),
        ("/bank/balance", b"[1]", 2),
        ("/bank/balance", b"{}", 2),
        ("/auth/nonce", b"{}", 2),
        ("/auth/nonce", b'{"address": 5}', 2),
    ],
)
def test_bad_queries_get_codes(app: Application, path: str, data: bytes, code: int) -> None:
    res = app.query(abci.RequestQuery(path=path, data=data))
    assert (res.codespace, res.code) == ("query", code)
    assert res.log


def test_a_query_handler_bug_is_an_internal_error_and_the_app_answers_on(
    app: Application, caplog: pytest.LogCaptureFixture
) -> None:
    run_block(app, 1, [])
    res = app.query(abci.RequestQuery(path="/bank/boom", data=b"{}"))
    assert (res.codespace, res.code) == ("query", CODE_INTERNAL)
    assert res.log == "internal error: RuntimeError" and "query handler bug" not in res.log
    assert "query /bank/boom failed" in caplog.text  # the traceback is the operator's, not the client's
    assert balance(app, addr_of(ALICE)) == FUNDS


def test_init_chain_on_a_chain_that_has_committed_a_block_is_refused(app: Application) -> None:
    run_block(app, 1, [])
    with pytest.raises(RuntimeError, match="height 1 is already committed"):
        app.init_chain(abci.RequestInitChain(chain_id=CHAIN_ID))
    assert query(app, "/app/status").height == 1


def test_historical_queries_are_refused(app: Application) -> None:
    run_block(app, 1, [])
    res = app.query(abci.RequestQuery(path="/app/status", height=7))
    assert (res.codespace, res.code) == ("query", 3)


# --- the rest of the ABCI surface ---


def test_vote_extensions_snapshots_and_app_mempool_answers(app: Application) -> None:
    assert app.extend_vote(abci.RequestExtendVote(height=1)).vote_extension == b""
    verify = app.verify_vote_extension
    assert verify(abci.RequestVerifyVoteExtension()).status == abci.ResponseVerifyVoteExtension.ACCEPT
    assert (
        verify(abci.RequestVerifyVoteExtension(vote_extension=b"x")).status
        == abci.ResponseVerifyVoteExtension.REJECT
    )
    assert list(app.list_snapshots(abci.RequestListSnapshots()).snapshots) == []
    assert app.offer_snapshot(abci.RequestOfferSnapshot()).result == abci.ResponseOfferSnapshot.ABORT
    assert app.load_snapshot_chunk(abci.RequestLoadSnapshotChunk()).chunk == b""
    applied = app.apply_snapshot_chunk(abci.RequestApplySnapshotChunk())
    assert applied.result == abci.ResponseApplySnapshotChunk.ABORT
    inserted = app.insert_tx(abci.RequestInsertTx(tx=encode_tx(ALICE, 0, [])))
    assert 0 < inserted.code < 32_000  # refused, and not "retry later"
    assert list(app.reap_txs(abci.RequestReapTxs(max_bytes=1000)).txs) == []
