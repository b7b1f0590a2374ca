"""StateDB: reads see only committed state; a commit is one atomic, synced batch."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from abci_app.db import EMPTY_COMMIT, CommitInfo, StateDB
from modules.core.store import CacheStore, ReadOnlyError

REPO = Path(__file__).resolve().parents[2]


def test_fresh_db_reports_nothing_committed(tmp_path: Path) -> None:
    db = StateDB(tmp_path)
    assert db.last_commit == EMPTY_COMMIT
    assert db.get(b"k") is None
    assert list(db.iterate()) == []
    db.close()


def test_commit_writes_state_and_meta_that_survive_reopen(tmp_path: Path) -> None:
    db = StateDB(tmp_path)
    db.commit({b"a": b"1", b"b": b"2"}, CommitInfo(1, b"\x11" * 32, 123))
    db.commit({b"a": None, b"c": b"3"}, CommitInfo(2, b"\x22" * 32, 456))
    db.close()
    db = StateDB(tmp_path)
    assert db.last_commit == CommitInfo(2, b"\x22" * 32, 456)
    assert list(db.iterate()) == [(b"b", b"2"), (b"c", b"3")]
    db.close()


def test_iterate_respects_bounds_and_order(tmp_path: Path) -> None:
    db = StateDB(tmp_path)
    keys = [b"bank/\x00", b"bank/\x01", b"bank/\xff", b"bank0", b"auth/a", b"z"]
    db.commit(dict.fromkeys(keys, b"v"), CommitInfo(1, b"h", 0))
    assert [k for k, _ in db.iterate(b"bank/", b"bank0")] == [b"bank/\x00", b"bank/\x01", b"bank/\xff"]
    assert [k for k, _ in db.iterate(b"bank0")] == [b"bank0", b"z"]
    assert [k for k, _ in db.iterate()] == sorted(keys)
    db.close()


def test_committed_state_is_read_only_and_height_must_grow(tmp_path: Path) -> None:
    db = StateDB(tmp_path)
    with pytest.raises(ReadOnlyError):
        db.set(b"k", b"v")
    with pytest.raises(ReadOnlyError):
        db.delete(b"k")
    db.commit({b"k": b"v"}, CommitInfo(3, b"h", 0))
    with pytest.raises(ValueError):
        db.commit({b"k": b"w"}, CommitInfo(3, b"h2", 0))
    assert db.get(b"k") == b"v"
    db.close()


def test_cache_overlay_writes_nothing_until_commit(tmp_path: Path) -> None:
    db = StateDB(tmp_path)
    db.commit({b"k": b"old"}, CommitInfo(1, b"h1", 0))
    overlay = CacheStore(db)
    overlay.set(b"k", b"new")
    overlay.set(b"n", b"x")
    assert overlay.get(b"k") == b"new"
    assert db.get(b"k") == b"old"
    assert db.get(b"n") is None
    db.commit(overlay.pending(), CommitInfo(2, b"h2", 0))
    assert db.get(b"k") == b"new"
    db.close()


def test_killed_process_leaves_last_commit_intact(tmp_path: Path) -> None:
    """A process that dies with a block's writes still in its overlay persists none of them."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from abci_app.db import StateDB, CommitInfo
        from modules.core.store import CacheStore
        db = StateDB({str(tmp_path)!r})
        db.commit({{b"a": b"1", b"b": b"1"}}, CommitInfo(1, b"h1", 10))
        block = CacheStore(db)
        for i in range(1000):
            block.set(b"k%04d" % i, b"x")
        block.set(b"a", b"2")
        block.delete(b"b")
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    assert proc.returncode == -9
    db = StateDB(tmp_path)
    assert db.last_commit == CommitInfo(1, b"h1", 10)
    assert list(db.iterate()) == [(b"a", b"1"), (b"b", b"1")]
    db.close()


def test_kill_during_commits_never_leaves_a_torn_batch(tmp_path: Path) -> None:
    """Every commit h sets all keys to h; whenever the writer is killed, the reopened DB
    must show one height throughout, equal to its meta height."""
    script = textwrap.dedent(
        f"""
        import sys
        from abci_app.db import StateDB, CommitInfo
        db = StateDB({str(tmp_path)!r})
        h = 0
        while True:
            h += 1
            value = str(h).encode()
            db.commit({{b"k%04d" % i: value for i in range(2000)}}, CommitInfo(h, value, h))
            if h == 3:
                print("ready", flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n"
    finally:
        proc.kill()
        proc.wait(timeout=10)
    db = StateDB(tmp_path)
    height = db.last_commit.height
    assert height >= 3
    values = {v for _, v in db.iterate()}
    assert values == {str(height).encode()}
    assert db.last_commit.app_hash == str(height).encode()
    db.close()
