"""The app-hash scheme: a pure, canonical function of (previous hash, height, write-set)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from abci_app.commitment import ChainedWriteSetCommitment, main, state_root, write_set_digest
from abci_app.db import CommitInfo, StateDB
from modules.core.store import MemoryStore, Write

C = ChainedWriteSetCommitment()


def test_write_set_digest_ignores_insertion_order() -> None:
    a: dict[bytes, Write] = {b"b": b"2", b"a": b"1", b"c": None}
    b: dict[bytes, Write] = {b"c": None, b"a": b"1", b"b": b"2"}
    assert list(a) != list(b)
    assert write_set_digest(a) == write_set_digest(b)


def test_write_set_digest_is_the_documented_byte_stream() -> None:
    """Consensus-critical: the digest is sha256 over exactly the stream the module doc specifies
    (spelled out here byte by byte, so a faster implementation cannot change the encoding)."""
    writes: dict[bytes, Write] = {
        b"bank/b/\x02": b"17",
        b"auth/a/\x01": None,
        b"": b"",
        b"z" * 300: b"v" * 70_000,
    }
    stream = b"bpdao/writeset/v1" + (4).to_bytes(8, "big")
    for key in sorted(writes):
        value = writes[key]
        stream += len(key).to_bytes(4, "big") + key
        stream += b"\x00" if value is None else b"\x01" + len(value).to_bytes(4, "big") + value
    assert write_set_digest(writes) == hashlib.sha256(stream).digest()
    assert write_set_digest({}) == hashlib.sha256(b"bpdao/writeset/v1" + bytes(8)).digest()


def test_length_prefixes_keep_key_value_boundaries_apart() -> None:
    assert write_set_digest({b"ab": b"c"}) != write_set_digest({b"a": b"bc"})
    assert write_set_digest({b"a": b"b", b"c": b"d"}) != write_set_digest({b"a": b"bcd"})


def test_tombstone_differs_from_empty_value_and_from_absence() -> None:
    deleted = write_set_digest({b"k": None})
    empty = write_set_digest({b"k": b""})
    absent = write_set_digest({})
    assert len({deleted, empty, absent}) == 3


def test_block_hash_chains_previous_height_and_writes() -> None:
    writes: dict[bytes, Write] = {b"k": b"v"}
    base = C.block_hash(b"\x00" * 32, 5, writes)
    assert C.block_hash(b"\x01" * 32, 5, writes) != base
    assert C.block_hash(b"\x00" * 32, 6, writes) != base
    assert C.block_hash(b"\x00" * 32, 5, {b"k": b"w"}) != base
    assert C.block_hash(b"\x00" * 32, 5, dict(writes)) == base
    assert len(base) == 32


def test_empty_block_keeps_the_previous_hash() -> None:
    previous = C.block_hash(b"", 1, {b"k": b"v"})
    assert C.block_hash(previous, 2, {}) == previous


def test_genesis_hash_commits_to_genesis_writes_and_initial_height() -> None:
    g = C.genesis_hash({b"bank/x": b"5"}, 1)
    assert g != C.genesis_hash({b"bank/x": b"6"}, 1)
    assert g != C.genesis_hash({b"bank/x": b"5"}, 100)
    assert g != C.genesis_hash({}, 1)


def test_state_root_is_a_function_of_contents_only() -> None:
    one = MemoryStore({b"a": b"1", b"b": b"2"})
    two = MemoryStore()
    two.set(b"b", b"2")
    two.set(b"a", b"1")
    assert state_root(one) == state_root(two)
    two.set(b"c", b"")
    assert state_root(one) != state_root(two)


def test_forensics_cli_prints_height_hash_and_state_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = StateDB(tmp_path)
    db.commit({b"bank/a": b"1", b"auth/b": b"2"}, CommitInfo(4, b"\xab" * 32, 0))
    root = state_root(db)
    db.close()
    main([str(tmp_path)])
    out = capsys.readouterr().out.split()
    assert out[out.index("height") + 1] == "4"
    assert out[out.index("app_hash") + 1] == "ab" * 32
    assert out[out.index("state_root") + 1] == root.hex()
    with pytest.raises(SystemExit):
        main([str(tmp_path / "missing")])
