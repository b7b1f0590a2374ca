"""Run a Python program under a low-overhead CPU-time sampling profiler (used by bench_node.py).

``python scripts/bench_sampler.py CONTROL OUT [--interval-ms 5] -- -m package.module args...``

A daemon thread wakes every interval, takes every other thread's stack (``sys._current_frames``) and
charges it the CPU time that thread used since the previous sample (its POSIX thread CPU clock), so
threads blocked on I/O cost nothing and the profile is CPU time, not wall time. Sampling only runs
between ``start`` and ``stop`` written to the CONTROL file; at ``stop`` the profile goes to OUT as JSON:
``{"own": {function: ns}, "cum": {function: ns}, "cpu_ns", "samples", "threads", "sampler_cpu_ns"}``.
Unlike cProfile it does not slow every call, so the throughput of the profiled run stays meaningful.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import CodeType, FrameType

REPO_ROOT = Path(__file__).resolve().parent.parent
STDLIB = os.path.dirname(os.__file__)
CONTROL_POLL_EVERY = 20  # samples between reads of the control file


def _short(path: str) -> str:
    if path.startswith(str(REPO_ROOT) + os.sep):
        return os.path.relpath(path, REPO_ROOT)
    if "site-packages" in path:
        return path.split("site-packages" + os.sep, 1)[1]
    if path.startswith(STDLIB):
        return "<stdlib>/" + os.path.relpath(path, STDLIB)
    return path


class Sampler:
    def __init__(self, control: Path, out: Path, interval_s: float) -> None:
        self.control, self.out, self.interval_s = control, out, interval_s
        self.labels: dict[CodeType, str] = {}
        self.clocks: dict[int, int] = {}
        self.last_cpu: dict[int, int] = {}
        self.own: Counter[str] = Counter()
        self.cum: Counter[str] = Counter()
        self.threads: Counter[str] = Counter()
        self.samples = 0
        self.running = False
        self.sampler_cpu0 = 0

    def label(self, code: CodeType) -> str:
        text = self.labels.get(code)
        if text is None:
            text = f"{_short(code.co_filename)}:{code.co_firstlineno} {code.co_qualname}"
            self.labels[code] = text
        return text

    def thread_cpu_ns(self, ident: int) -> int | None:
        try:
            clock = self.clocks.get(ident)
            if clock is None:
                clock = self.clocks[ident] = time.pthread_getcpuclockid(ident)
            return time.clock_gettime_ns(clock)
        except (OSError, ProcessLookupError):
            return None  # the thread ended between listing and reading

    def sample(self, me: int) -> None:
        names = {t.ident: t.name for t in threading.enumerate()}
        self.samples += 1
        for ident, frame in sys._current_frames().items():
            if ident == me:
                continue
            now = self.thread_cpu_ns(ident)
            if now is None:
                continue
            delta = now - self.last_cpu.get(ident, now)
            self.last_cpu[ident] = now
            if delta <= 0:
                continue
            self.threads[names.get(ident, str(ident))] += delta
            self.charge(frame, delta)

    def charge(self, frame: FrameType, delta: int) -> None:
        self.own[self.label(frame.f_code)] += delta
        seen: set[str] = set()
        f: FrameType | None = frame
        while f is not None:
            text = self.label(f.f_code)
            if text not in seen:  # recursion counts once
                seen.add(text)
                self.cum[text] += delta
            f = f.f_back

    def command(self) -> str:
        try:
            return self.control.read_text().strip()
        except FileNotFoundError:
            return ""

    def begin(self, me: int) -> None:
        self.own.clear()
        self.cum.clear()
        self.threads.clear()
        self.samples = 0
        self.last_cpu = {
            i: c for i in sys._current_frames() if i != me and (c := self.thread_cpu_ns(i)) is not None
        }
        self.sampler_cpu0 = time.thread_time_ns()
        self.running = True

    def finish(self) -> None:
        self.running = False
        profile = {
            "interval_ms": self.interval_s * 1000,
            "samples": self.samples,
            "cpu_ns": sum(self.threads.values()),
            "sampler_cpu_ns": time.thread_time_ns() - self.sampler_cpu0,
            "threads": dict(self.threads),
            "own": dict(self.own),
            "cum": dict(self.cum),
        }
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(profile))
        tmp.replace(self.out)

    def loop(self) -> None:
        me = threading.get_ident()
        tick = 0
        while True:
            if tick % CONTROL_POLL_EVERY == 0:
                cmd = self.command()
                if cmd == "start" and not self.running:
                    self.begin(me)
                elif cmd == "stop" and self.running:
                    self.finish()
            tick += 1
            if self.running:
                self.sample(me)
            time.sleep(self.interval_s)


def main(argv: list[str]) -> None:
    if "--" not in argv or len(argv) < 3:
        raise SystemExit(__doc__)
    split = argv.index("--")
    own, target = argv[:split], argv[split + 1 :]
    control, out = Path(own[0]), Path(own[1])
    interval_ms = float(own[own.index("--interval-ms") + 1]) if "--interval-ms" in own else 5.0
    sampler = Sampler(control, out, interval_ms / 1000)
    threading.Thread(target=sampler.loop, name="bench-sampler", daemon=True).start()
    if target[:1] == ["-m"]:
        sys.argv = [target[1], *target[2:]]
        runpy.run_module(target[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(target)
        runpy.run_path(target[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
