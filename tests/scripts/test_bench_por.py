"""The PoR per-block benchmark's chain: every node agrees on every block, and PoR really runs in it
(committees per epoch, beacon input recorded); the plain wiring has none of it."""

from __future__ import annotations

import json
from pathlib import Path

from script_module import load_script

from abci_app.pb.tendermint.abci import types_pb2 as abci

bench = load_script("bench_por")


def _query(app: object, path: str) -> object:
    return json.loads(app.query(abci.RequestQuery(path=path)).value)  # type: ignore[attr-defined]


def test_the_por_chain_runs_the_beacon_and_the_nodes_agree(tmp_path: Path) -> None:
    chain = bench.Chain(tmp_path, bench.default_wiring, n=3, txs=5, epoch=6)
    try:
        for h in range(1, 14):
            chain.block(h)  # raises if a node rejects a block or the app hashes differ
        seeds = {json.dumps(_query(n.app, "/beacon/seed")) for n in chain.nodes}
        assert len(seeds) == 1
        assert json.loads(seeds.pop())["epoch"] >= 1  # reveals of an epoch were mixed in
        assert all(len(n.cpu["extend"]) == 13 for n in chain.nodes)
        assert all(v.vote_extension for v in chain.last_extended.votes)
    finally:
        chain.close()


def test_the_plain_chain_has_no_por_modules(tmp_path: Path) -> None:
    chain = bench.Chain(tmp_path, bench.plain_wiring, n=2, txs=2, epoch=6)
    try:
        for h in range(1, 4):
            chain.block(h)
        answer = chain.nodes[0].app.query(abci.RequestQuery(path="/beacon/seed"))
        assert answer.code != 0  # no beacon wired
        assert all(not v.vote_extension for v in chain.last_extended.votes)
    finally:
        chain.close()
