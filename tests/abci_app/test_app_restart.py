"""Determinism across processes, crash between FinalizeBlock and Commit, replay after restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from app_chain import Variant, run
from app_fakes import new_app

from abci_app.commitment import state_root
from abci_app.db import StateDB
from abci_app.pb.tendermint.abci import types_pb2 as abci

SCRIPT = Path(__file__).resolve().parent / "app_chain.py"
HEIGHT = 25


def run_subprocess(
    data_dir: Path, last: int, crash_at: int = 0, hashseed: str = "0", variant: str = "fake"
) -> tuple[int, list[dict[str, Any]]]:
    cmd = [sys.executable, str(SCRIPT), str(data_dir), str(last), "--variant", variant]
    if crash_at:
        cmd += ["--crash-before-commit", str(crash_at)]
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    proc = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    lines = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    return proc.returncode, lines


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], bytes]:
    """The chain run in this process: per-block lines, and the final full-state root."""
    data_dir = tmp_path_factory.mktemp("reference")
    app = new_app(data_dir)
    lines = run(app, HEIGHT)
    app.close()
    db = StateDB(data_dir)
    root = state_root(db)
    db.close()
    return lines, root


def test_reference_chain_exercises_successes_and_failures(
    reference: tuple[list[dict[str, Any]], bytes],
) -> None:
    codes = [c for line in reference[0] for c in line["codes"]]
    assert codes.count(0) > 20
    assert {1, 2, 3, 5} <= set(codes)  # malformed, insufficient funds, stale nonce, failed message
    assert len({line["app_hash"] for line in reference[0]}) > HEIGHT // 2


@pytest.mark.parametrize("hashseed", ["1", "4242"])
def test_same_blocks_same_hashes_in_another_process(
    tmp_path: Path, reference: tuple[list[dict[str, Any]], bytes], hashseed: str
) -> None:
    code, lines = run_subprocess(tmp_path, HEIGHT, hashseed=hashseed)
    assert code == 0
    assert lines == reference[0]


@pytest.mark.parametrize("crash_at", [1, 9])
def test_crash_between_finalize_and_commit_then_replay(
    tmp_path: Path, reference: tuple[list[dict[str, Any]], bytes], crash_at: int
) -> None:
    code, lines = run_subprocess(tmp_path, HEIGHT, crash_at=crash_at)
    assert code == -9
    assert lines == reference[0][:crash_at]  # it got as far as FinalizeBlock of crash_at

    app = new_app(tmp_path)
    info = app.info(abci.RequestInfo())
    assert info.last_block_height == crash_at - 1
    expected_hash = bytes.fromhex(reference[0][crash_at - 2]["app_hash"]) if crash_at > 1 else b""
    assert info.last_block_app_hash == expected_hash
    # CometBFT's handshake replays from the app's height (InitChain again at height 0)
    resumed = run(app, HEIGHT)
    app.close()
    assert resumed == reference[0][crash_at - 1 :]
    db = StateDB(tmp_path)
    assert state_root(db) == reference[1]
    db.close()


def test_clean_restart_resumes_from_info(
    tmp_path: Path, reference: tuple[list[dict[str, Any]], bytes]
) -> None:
    app = new_app(tmp_path)
    first = run(app, 10)
    app.close()
    app = new_app(tmp_path)
    info = app.info(abci.RequestInfo())
    assert (info.last_block_height, info.last_block_app_hash.hex()) == (10, first[-1]["app_hash"])
    rest = run(app, HEIGHT)
    app.close()
    assert first + rest == reference[0]


def test_production_modules_replay_identically_across_processes_and_crashes(tmp_path: Path) -> None:
    """The same checks with txcodec/auth/bank: a reference run here, one in another process with
    another hash seed, and one killed before Commit then resumed."""
    real = Variant("real")
    app = real.new_app(tmp_path / "reference")
    reference = run(app, 12, variant=real)
    app.close()
    codes = [c for line in reference for c in line["codes"]]
    assert codes.count(0) > 10 and len(set(codes)) >= 4  # successes and several kinds of failure

    code, lines = run_subprocess(tmp_path / "other", 12, hashseed="777", variant="real")
    assert (code, lines) == (0, reference)

    code, lines = run_subprocess(tmp_path / "crashed", 12, crash_at=6, variant="real")
    assert (code, lines) == (-9, reference[:6])
    app = real.new_app(tmp_path / "crashed")
    assert app.info(abci.RequestInfo()).last_block_height == 5
    assert run(app, 12, variant=real) == reference[5:]
    app.close()
