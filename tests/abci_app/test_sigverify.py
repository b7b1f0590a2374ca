"""Signature checks shared between the caller's thread and worker threads."""

from __future__ import annotations

import threading

import pytest

from abci_app.sigverify import MIN_PER_THREAD, ParallelVerifier, default_workers


class Recorder:
    """A verify function: odd items are valid; remembers which thread saw which item."""

    def __init__(self) -> None:
        self.seen: dict[int, str] = {}
        self._lock = threading.Lock()
        self._both_running = threading.Barrier(2, timeout=10)

    def __call__(self, item: int) -> bool:
        with self._lock:
            self.seen[item] = threading.current_thread().name
        if item in (0, 99):  # the first item of each share waits for the other thread
            self._both_running.wait()
        return item % 2 == 1


def test_results_come_back_in_input_order_from_two_threads_at_once() -> None:
    verify = Recorder()
    verifier = ParallelVerifier(verify, workers=1)
    try:
        items = list(range(198))
        # Two shares (0..98, 99..197); their first items meet at a barrier, which only passes
        # if both threads run at the same time.
        assert verifier.verify_all(items) == [i % 2 == 1 for i in items]
    finally:
        verifier.close()
    assert verify.seen[0] != verify.seen[99]
    assert verify.seen[99] == threading.current_thread().name  # the caller checks the last share
    assert {verify.seen[i] for i in range(99)} == {verify.seen[0]}


def test_without_workers_or_with_few_items_the_caller_checks_everything() -> None:
    def verify(item: int) -> bool:
        assert threading.current_thread() is threading.main_thread()
        return item > 0

    serial: ParallelVerifier[int] = ParallelVerifier(verify, workers=0)
    assert serial.verify_all([0, 1, 2, 3]) == [False, True, True, True]
    parallel = ParallelVerifier(verify, workers=2)
    try:
        assert parallel.verify_all(list(range(2 * MIN_PER_THREAD - 1))) == [False, True, True]
        assert parallel.verify_all([]) == []
    finally:
        parallel.close()


def test_a_closed_verifier_still_answers_on_the_callers_thread() -> None:
    verifier: ParallelVerifier[int] = ParallelVerifier(lambda item: item == 1, workers=1)
    verifier.close()
    assert verifier.verify_all([1, 0, 1, 1]) == [True, False, True, True]


def test_worker_counts() -> None:
    assert 0 <= default_workers() <= 3
    with pytest.raises(ValueError):
        ParallelVerifier(lambda item: True, workers=-1)
