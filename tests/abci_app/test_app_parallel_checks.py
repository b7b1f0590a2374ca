"""CheckTx requests pipelined in one socket read: signatures checked together on several
threads, answers still one per request, in order, each what a lone CheckTx would answer."""

from __future__ import annotations

from pathlib import Path

from app_fakes import FakeCodec, Send, addr_of, encode_tx, init_chain, keys, new_app, resign, run_block
from test_server import FLUSH, Client, run, serving

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.txcodec import ERR_BAD_SIGNATURE

ALICE, BOB, MALLORY = keys(3)


def _check_all_in_one_read(app: Application, txs: list[bytes]) -> list[abci.ResponseCheckTx]:
    requests = [abci.Request(check_tx=abci.RequestCheckTx(tx=tx)) for tx in txs]
    answers: list[abci.ResponseCheckTx] = []

    async def scenario() -> None:
        async with serving(app, "tcp://127.0.0.1:0") as (server, bound):
            client = await Client.connect(bound)
            await client.send(*requests, FLUSH)
            responses = await client.receive(len(requests) + 1)
            assert server.stats.reads == 1
            assert responses[-1].WhichOneof("value") == "flush"
            answers.extend(r.check_tx for r in responses[:-1])
            client.close()

    run(scenario())
    return answers


def _app(tmp_path: Path, codec: FakeCodec) -> Application:
    app = new_app(tmp_path, codec, verify_workers=1)
    init_chain(app, {addr_of(ALICE): 1_000, addr_of(BOB): 1_000})
    return app


def test_pipelined_checks_keep_request_order_and_a_bad_signature_fails_alone(tmp_path: Path) -> None:
    codec = FakeCodec()
    app = _app(tmp_path, codec)
    forged = resign(encode_tx(ALICE, 2, [Send(addr_of(MALLORY), 500)]), MALLORY)
    txs = [
        encode_tx(ALICE, 0, [Send(addr_of(BOB), 5)]),
        encode_tx(ALICE, 1, [Send(addr_of(BOB), 5)]),  # passes only after nonce 0 ran
        forged,  # Alice's nonce 2, signed by Mallory
        encode_tx(BOB, 0, [Send(addr_of(ALICE), 7)]),
        encode_tx(ALICE, 2, [Send(addr_of(BOB), 5)]),  # the real nonce 2: the forgery took nothing
        encode_tx(ALICE, 4, [Send(addr_of(BOB), 5)]),  # a gap: wrong nonce
        encode_tx(BOB, 1, [Send(addr_of(ALICE), 7)]),
    ]
    answers = _check_all_in_one_read(app, txs)
    codes = [(a.codespace, a.code) for a in answers]
    assert codes[2] == (ERR_BAD_SIGNATURE.codespace, ERR_BAD_SIGNATURE.code)
    assert codes[5] == ("auth", 3)
    assert [i for i, code in enumerate(codes) if code != ("", 0)] == [2, 5]
    # Every signature checked once, on the ABCI thread and a worker thread.
    assert codec.verifies == len(txs)
    assert len(codec.verify_threads) == 2
    app.close()


def test_answers_match_checking_the_same_txs_one_by_one(tmp_path: Path) -> None:
    txs = [encode_tx(key, nonce, [Send(addr_of(MALLORY), 600)]) for nonce in range(3) for key in (ALICE, BOB)]
    txs.insert(3, b"not a tx")
    txs.append(txs[0])  # a replay: stale nonce by now
    batching = _app(tmp_path / "batched", FakeCodec())
    batched = _check_all_in_one_read(batching, txs)
    alone = _app(tmp_path / "alone", FakeCodec())
    one_by_one = [alone.check_tx(abci.RequestCheckTx(tx=tx)) for tx in txs]
    batching.close()
    alone.close()
    assert batched == one_by_one
    assert [a.code for a in batched].count(0) == 2  # 1,000 covers one 600 send each (fee 10)


def test_a_block_of_unseen_txs_is_verified_in_parallel_and_executes_as_usual(tmp_path: Path) -> None:
    codec = FakeCodec()
    app = _app(tmp_path, codec)
    txs = [encode_tx(ALICE, n, [Send(addr_of(BOB), 1)]) for n in range(6)]
    txs.insert(2, resign(encode_tx(BOB, 0, [Send(addr_of(MALLORY), 1)]), MALLORY))
    res = run_block(app, 1, txs)
    assert [r.code for r in res.tx_results] == [0, 0, ERR_BAD_SIGNATURE.code, 0, 0, 0, 0]
    assert codec.verifies == len(txs)
    assert len(codec.verify_threads) == 2
    app.close()
