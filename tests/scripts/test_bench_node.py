"""Unit tests of the benchmark's pure parts: config rewriting, time parsing, the figures, the tx builders."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from benchnode import apps, network, report, rounds

from abci_app.tooling import REPO_ROOT
from abci_app.txcodec import decode_tx, verify_signature
from modules.bank.types import MsgSend

CONFIG = """proxy_app = "tcp://127.0.0.1:26658"
[rpc]
laddr = "tcp://127.0.0.1:26657"
[p2p]
laddr = "tcp://0.0.0.0:26656"
persistent_peers = ""
[mempool]
size = 5000
"""


def test_set_toml_changes_the_key_of_its_section_only() -> None:
    text = network.set_toml(CONFIG, "p2p", "laddr", '"tcp://127.0.0.1:4000"')
    text = network.set_toml(text, "", "proxy_app", '"tcp://127.0.0.1:5000"')
    assert 'laddr = "tcp://127.0.0.1:26657"' in text  # [rpc] untouched
    assert 'laddr = "tcp://127.0.0.1:4000"' in text
    assert 'proxy_app = "tcp://127.0.0.1:5000"' in text
    assert text.count("laddr") == 2 and "0.0.0.0" not in text


def test_set_toml_refuses_a_missing_key() -> None:
    with pytest.raises(KeyError):
        network.set_toml(CONFIG, "mempool", "recheck", "false")


def test_parse_time_ns_keeps_nanoseconds_and_zones() -> None:
    assert network.parse_time_ns("1970-01-01T00:00:01.000000005Z") == 1_000_000_005
    assert network.parse_time_ns("1970-01-01T00:00:01.5Z") == 1_500_000_000
    assert network.parse_time_ns("1970-01-01T01:00:00+01:00") == 0
    with pytest.raises(ValueError):
        network.parse_time_ns("yesterday")


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert rounds.percentile(values, 50) == 50.0
    assert rounds.percentile(values, 95) == 95.0
    assert rounds.percentile([7.0], 95) == 7.0


def _settings() -> Any:
    return rounds.LoadSettings(
        seconds=10, conns=4, rate=0, method="sync", tx_size=250, tx_count=100,
        timeout_commit="1s", mempool_size=50000, nodes=1, drain_seconds=5,
    )  # fmt: skip


def test_summarize_counts_blocks_decided_in_the_window_and_latency_per_tx() -> None:
    s = 1_000_000_000
    load = {"start_unix_ns": 10 * s, "end_unix_ns": 20 * s, "sent": 5, "loaded": 100}
    blocks = [
        network.Block(1, 9 * s, 10 * s - 1, ("A",)),  # decided before the window: not counted
        network.Block(2, 10 * s, 12 * s, ("B", "C")),
        network.Block(3, 12 * s, 20 * s, ("D",)),
        network.Block(4, 20 * s, 21 * s, ("E",)),  # after the window: late
    ]
    sends = {"B": 11 * s, "C": 11 * s + s // 2, "D": 19 * s, "E": 19 * s, "F": 19 * s}
    cpu0 = {"app": 1.0, "node": 2.0, "box": 10.0}
    cpu1 = {"app": 3.0, "node": 7.0, "box": 25.0}
    r = rounds.summarize("x", _settings(), load, blocks, sends, cpu0, cpu1, 1.0, None)
    assert r.committed == 3 and r.window_s == 10 and r.tx_per_s == pytest.approx(0.3)
    assert r.blocks == 2 and r.max_block_txs == 2 and r.late_committed == 1
    # latencies in ms of B, C, D, E: 1000, 500, 1000, 2000 -> p50 1000, p95 2000
    assert r.latency_commit_ms == (1000.0, 2000.0)
    assert r.latency_header_ms == (-1500.0, 1000.0)
    assert r.cpu_cores == pytest.approx({"app": 0.2, "node": 0.5, "loadgen": 0.1, "others": 0.7})
    assert r.cpu_us_per_tx == pytest.approx(2.0 * 1e6 / 3) and r.node_us_per_tx == pytest.approx(
        5.0 * 1e6 / 3
    )
    assert any("1 accepted txs not found" in note for note in r.notes)  # F never made it into a block


def test_kvstore_txs_are_unique_exact_size_key_value() -> None:
    txs = [tx for _, tx in apps.KvstoreApp(REPO_ROOT).transactions(500, 250)]
    assert len(set(txs)) == 500
    assert {len(tx) for tx in txs} == {250}
    assert all(tx.count(b"=") == 1 and b":" not in tx for tx in txs)


def test_signed_transfers_verify_are_padded_and_keep_nonces_in_sequence() -> None:
    senders, size = 7, 250
    lines = apps._sign_range((0, 300, senders, size, network.CHAIN_ID))
    nonces: dict[str, list[int]] = defaultdict(list)
    signers: dict[str, bytes] = {}
    for group, raw in lines:
        assert len(raw) == size
        tx = decode_tx(raw, 16384)
        assert verify_signature(tx)
        assert tx.chain_id == network.CHAIN_ID and tx.fee == apps.TRANSFER_FEE
        (msg,) = tx.msgs
        assert isinstance(msg, MsgSend) and msg.amount == apps.TRANSFER_AMOUNT and msg.to != tx.signer
        assert signers.setdefault(group, tx.signer) == tx.signer  # one group, one signer
        nonces[group].append(tx.nonce)
    assert len(nonces) == senders
    assert all(ns == list(range(len(ns))) for ns in nonces.values())
    # a chunk starting mid-file continues the same senders' sequences
    (group, raw), *_ = apps._sign_range((300, 301, senders, size, network.CHAIN_ID))
    assert decode_tx(raw, 16384).nonce == len(nonces[group])


def _round(app: str, tx_per_s: float) -> Any:
    return rounds.RoundResult(
        app, {}, 10.0, int(tx_per_s * 10), tx_per_s, 10, 1.0, 100, 0, (1.0, 2.0), (0.0, 1.0), {}, 1.0, 1.0
    )


def test_summary_gives_each_round_ratio_and_the_issue_target_for_the_topology() -> None:
    rounds = [
        [_round("kvstore", 1000), _round("floor", 900), _round("bpdao", 600)],
        [_round("kvstore", 2000), _round("floor", 1600), _round("bpdao", 1400)],
    ]
    one_node = report.summary_lines(rounds, report.target_ratio(1))
    assert "ratio floor/kvstore: 0.85x (per round: 0.90, 0.80; no state machine: the floor)" in one_node
    assert "ratio bpdao/kvstore: 0.65x (per round: 0.60, 0.70; target >= 0.90x)" in one_node
    assert report.target_ratio(4) == 0.75
    only_bpdao = report.summary_lines([[_round("kvstore", 1000), _round("bpdao", 500)]], 0.75)
    assert only_bpdao[-1] == "ratio bpdao/kvstore: 0.50x (per round: 0.50; target >= 0.75x)"
