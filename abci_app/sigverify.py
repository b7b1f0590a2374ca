"""Signature checks of many txs at once: the caller's thread and worker threads share them.

PyNaCl calls libsodium through cffi, which releases the GIL for the duration of the call, so
signature checks on N threads run N at a time (measured on the 2-core box: 63 µs of wall time
per verify on one thread, 31 µs on two; docs/benchmarks.md). The caller checks one share itself
and then waits: a worker never has to win the GIL back from a thread busy with Python code,
which under CPython's switch interval could cost it up to 5 ms per signature.

Results are in input order and each is the verify function's own answer, so running in parallel
never changes an outcome: only when it is known.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")

# Fewer txs than this per thread are checked on the caller's thread alone: handing work to a
# worker and waking it costs tens of µs, about one signature check.
MIN_PER_THREAD = 2


def default_workers() -> int:
    """One worker per core beyond the caller's, at most 3 (the node needs cores too)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(0, min(cores - 1, 3))


class ParallelVerifier(Generic[T]):
    """``verify_all(items)`` = ``[verify(item) for item in items]``, computed on several threads."""

    def __init__(self, verify: Callable[[T], bool], workers: int | None = None) -> None:
        self._verify = verify
        self.workers = default_workers() if workers is None else workers
        if self.workers < 0:
            raise ValueError(f"workers must be >= 0, got {workers}")
        self._pool = (
            ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="sigverify")
            if self.workers
            else None
        )

    def verify_all(self, items: Sequence[T]) -> list[bool]:
        pool = self._pool
        threads = min(self.workers + 1, len(items) // MIN_PER_THREAD)
        if pool is None or threads < 2:
            return self._run(items)
        # Contiguous shares, the caller's last; the workers' shares are submitted first so they
        # start while the caller works through its own.
        bounds = [len(items) * i // threads for i in range(threads + 1)]
        futures: list[Future[list[bool]]] = [
            pool.submit(self._run, items[bounds[i] : bounds[i + 1]]) for i in range(threads - 1)
        ]
        own = self._run(items[bounds[-2] :])
        results: list[bool] = []
        for future in futures:
            results.extend(future.result())
        results.extend(own)
        return results

    def _run(self, items: Sequence[T]) -> list[bool]:
        verify = self._verify
        return [verify(item) for item in items]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
