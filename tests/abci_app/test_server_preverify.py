"""The server's read-ahead hook: the app sees every CheckTx of one read before answering any."""

from __future__ import annotations

from typing import Any

from test_server import FLUSH, Client, FakeApp, check_tx, request, run, serving

from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.server import PREVERIFY_HOOK


class PreverifyingApp(FakeApp):
    """FakeApp plus the hook; records the hook's batches among the calls."""

    def __init__(self, hook_error: Exception | None = None) -> None:
        super().__init__()
        self.batches: list[list[bytes]] = []
        self._hook_error = hook_error

    def preverify_check_txs(self, requests: list[abci.RequestCheckTx]) -> None:
        self.calls.append(PREVERIFY_HOOK)
        self.batches.append([r.tx for r in requests])
        if self._hook_error is not None:
            raise self._hook_error


def _serve_one_read(app: Any, requests: list[abci.Request]) -> list[abci.Response]:
    responses: list[abci.Response] = []

    async def scenario() -> None:
        async with serving(app, "tcp://127.0.0.1:0") as (server, bound):
            client = await Client.connect(bound)
            await client.send(*requests)
            responses.extend(await client.receive(len(requests)))
            assert server.stats.reads == 1  # one read: one batch (small enough for one segment)
            client.close()

    run(scenario())
    return responses


def test_the_hook_gets_every_check_tx_of_a_read_before_the_first_is_answered() -> None:
    app = PreverifyingApp()
    requests = [
        check_tx(b"t0"),
        request("query", data=b"q"),
        check_tx(b"t1"),
        request("check_tx", tx=b"t2", type=abci.CheckTxType.RECHECK),
        FLUSH,
    ]
    responses = _serve_one_read(app, requests)
    assert app.batches == [[b"t0", b"t1", b"t2"]]
    assert app.calls == [PREVERIFY_HOOK, "check_tx", "query", "check_tx", "check_tx"]
    kinds = [r.WhichOneof("value") for r in responses]
    assert kinds == ["check_tx", "query", "check_tx", "check_tx", "flush"]
    assert [r.check_tx.data for r in responses if r.HasField("check_tx")] == [b"t0", b"t1", b"t2"]


def test_a_lone_check_tx_is_answered_without_the_hook() -> None:
    app = PreverifyingApp()
    _serve_one_read(app, [check_tx(b"only"), FLUSH])
    assert app.batches == []
    assert app.calls == ["check_tx"]


def test_a_raising_hook_changes_no_answer() -> None:
    app = PreverifyingApp(hook_error=RuntimeError("hook bug"))
    responses = _serve_one_read(app, [check_tx(b"a"), check_tx(b"b"), FLUSH])
    assert [r.check_tx.data for r in responses[:2]] == [b"a", b"b"]
    assert all(r.check_tx.code == 0 for r in responses[:2])
    assert app.calls == [PREVERIFY_HOOK, "check_tx", "check_tx"]
