"""The floor app of bench_node: decode + one signature check per new tx, nothing else."""

from __future__ import annotations

import hashlib

from nacl.signing import SigningKey
from script_module import load_script

from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.txcodec import encode_body, encode_tx, sign_tx
from modules.bank.types import MsgSend

floor = load_script("bench_floor_app")
SEED = bytes(range(32))


def _signed(nonce: int) -> bytes:
    return sign_tx(SEED, [MsgSend(to=bytes(20), amount=1)], chain_id="c", nonce=nonce, fee=1)


def test_check_tx_accepts_a_signed_tx_and_refuses_bad_bytes_and_bad_signatures() -> None:
    app = floor.FloorApp()
    good = _signed(0)
    assert app.check_tx(abci.RequestCheckTx(tx=good)).code == 0
    assert app.check_tx(abci.RequestCheckTx(tx=good, type=abci.RECHECK)).code == 0
    assert app.check_tx(abci.RequestCheckTx(tx=b"\xff not a tx")).code == floor.CODE_UNDECODABLE
    body = encode_body([MsgSend(to=bytes(20), amount=1)], chain_id="c", nonce=1, fee=1)
    forged = encode_tx(body, bytes(SigningKey(SEED).verify_key), bytes(64))
    assert app.check_tx(abci.RequestCheckTx(tx=forged)).code == floor.CODE_BAD_SIGNATURE


def test_finalize_block_answers_every_tx_and_chains_the_app_hash() -> None:
    app = floor.FloorApp()
    txs = [_signed(0), _signed(1)]
    for raw in txs:
        assert app.check_tx(abci.RequestCheckTx(tx=raw)).code == 0
    first = app.finalize_block(abci.RequestFinalizeBlock(height=1, txs=txs))
    assert len(first.tx_results) == 2 and all(r.code == 0 for r in first.tx_results)
    assert first.app_hash == hashlib.sha256(b"".join(txs)).digest()
    second = app.finalize_block(abci.RequestFinalizeBlock(height=2, txs=[]))
    assert second.app_hash == hashlib.sha256(first.app_hash).digest()
    assert app.info(abci.RequestInfo()).last_block_height == 2
    room_for_one = abci.RequestPrepareProposal(txs=txs, max_tx_bytes=len(txs[0]) + 5)
    assert app.prepare_proposal(room_for_one).txs == txs[:1]
