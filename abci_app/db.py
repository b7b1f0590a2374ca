"""Committed state on disk: RocksDB through rocksdict, raw mode (keys and values are plain bytes).

State is one keyspace (the default column family) in which each module owns a prefix.
Next to it, the ``meta`` column family holds what the app committed last: height, app hash
and block time. Both change only in :meth:`StateDB.commit`, as one synced WriteBatch, so a
crash leaves either the previous commit or the new one on disk, never a mix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from rocksdict import Options, Rdict, ReadOptions, WriteBatch, WriteOptions

from modules.core.codec import read_u64, u64
from modules.core.store import CounterOps, ReadOnlyError, Write

META_CF = "meta"
_HEIGHT = b"height"
_APP_HASH = b"app_hash"
_BLOCK_TIME = b"block_time_ns"


@dataclass(frozen=True)
class CommitInfo:
    """What a Commit made durable alongside the state."""

    height: int
    app_hash: bytes
    block_time_ns: int


EMPTY_COMMIT = CommitInfo(height=0, app_hash=b"", block_time_ns=0)

# Point reads kept in memory (committed values, and None for absent keys). Emptied when full;
# 2**17 entries of ~60-byte keys and small values are a few tens of MB at most.
DEFAULT_READ_CACHE_ENTRIES = 1 << 17
_MISS = object()


def _raw_options() -> Options:
    opt = Options(raw_mode=True)
    opt.create_if_missing(True)
    opt.create_missing_column_families(True)
    return opt


class StateDB(CounterOps):
    """The committed state: a read-only KVStore plus one atomic way to move it forward.

    Reads see only what a Commit wrote; pending writes live in the app's CacheStore
    overlays until :meth:`commit` receives them.
    """

    def __init__(self, path: Path | str, *, read_cache_entries: int = DEFAULT_READ_CACHE_ENTRIES) -> None:
        self._path = Path(path)
        self._path.mkdir(parents=True, exist_ok=True)
        self._db: Rdict | None = Rdict(
            str(self._path), _raw_options(), column_families={META_CF: Options(raw_mode=True)}
        )
        self._meta_cf = self._db.get_column_family_handle(META_CF)
        self._sync = WriteOptions()
        self._sync.sync = True
        self._last = self._read_meta()
        # A pure function of the committed state, which changes only in commit(): there the
        # new values replace the old, so a cached read is always what RocksDB would return.
        self._cache: dict[bytes, bytes | None] = {}
        self._cache_limit = read_cache_entries

    def _read_meta(self) -> CommitInfo:
        meta = self._rdict.get_column_family(META_CF)
        try:
            height = meta.get(_HEIGHT)
            if height is None:
                return EMPTY_COMMIT
            return CommitInfo(
                height=read_u64(height),
                app_hash=meta.get(_APP_HASH) or b"",
                block_time_ns=read_u64(meta.get(_BLOCK_TIME) or u64(0)),
            )
        finally:
            del meta  # a live column-family view keeps the DB lock after close()

    @property
    def _rdict(self) -> Rdict:
        if self._db is None:
            raise RuntimeError("state database is closed")
        return self._db

    @property
    def last_commit(self) -> CommitInfo:
        return self._last

    # --- KVStore (read side) ---

    def get(self, key: bytes) -> bytes | None:
        cache = self._cache
        cached = cache.get(key, _MISS)
        if cached is not _MISS:
            return cached  # type: ignore[return-value]
        value: bytes | None = self._rdict.get(key)
        if len(cache) >= self._cache_limit:
            cache.clear()
        cache[key] = value
        return value

    def iterate(self, start: bytes = b"", end: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        read_opt = ReadOptions()
        if end is not None:
            read_opt.set_iterate_upper_bound(end)
        it = self._rdict.iter(read_opt)
        it.seek(start)
        while it.valid():
            yield it.key(), it.value()
            it.next()

    def set(self, key: bytes, value: bytes) -> None:
        raise ReadOnlyError("committed state changes only through StateDB.commit")

    def delete(self, key: bytes) -> None:
        raise ReadOnlyError("committed state changes only through StateDB.commit")

    # --- the one way to write ---

    def commit(self, writes: Mapping[bytes, Write], info: CommitInfo) -> None:
        """Write the state changes and ``info`` in one synced, atomic batch."""
        if info.height <= self._last.height:
            raise ValueError(f"commit height {info.height} is not above {self._last.height}")
        batch = WriteBatch(raw_mode=True)
        for key, value in writes.items():
            if value is None:
                batch.delete(key)
            else:
                batch.put(key, value)
        batch.put(_HEIGHT, u64(info.height), self._meta_cf)
        batch.put(_APP_HASH, info.app_hash, self._meta_cf)
        batch.put(_BLOCK_TIME, u64(info.block_time_ns), self._meta_cf)
        self._rdict.write(batch, self._sync)
        self._last = info
        cache = self._cache
        if len(cache) + len(writes) > self._cache_limit:
            cache.clear()
        if len(writes) <= self._cache_limit:
            cache.update(writes)

    def close(self) -> None:
        self._cache.clear()
        if self._db is not None:
            self._meta_cf = None  # handles and views keep the DB lock after close()
            self._db.close()
            self._db = None
