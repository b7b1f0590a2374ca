"""Run a Python program under a low-overhead statistical CPU profiler (used by bench_node.py).

``python scripts/bench_sampler.py CONTROL OUT [--interval-ms 10] -- -m package.module args...``

``ITIMER_PROF`` sends SIGPROF after every interval of CPU time the process uses; the handler runs in
the main thread, which runs the ABCI server's event loop and so all of the app's work, and charges
the interrupted stack: its innermost function (own) and every function on it (cumulative). Samples
thus follow CPU time, not wall time, and land where the CPU went, C calls included (a signal that
arrives inside a C call is handled when it returns, in its Python caller). A thread polling its own
GIL-holding sampler would instead pile its samples on the calls that release the GIL. A sample that
finds the loop in ``select`` means CPU spent by another thread or by the kernel while the loop waited.
Each thread's CPU time over the window comes from its POSIX CPU clock.

Sampling runs between ``start`` and ``stop`` written to the CONTROL file (polled by a small thread);
at ``stop`` the profile goes to OUT as JSON. Unlike cProfile it does not slow every call, so the
profiled run's throughput stands.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import CodeType, FrameType

REPO_ROOT = Path(__file__).resolve().parent.parent
STDLIB = os.path.dirname(os.__file__)
CONTROL_POLL_S = 0.1
IDLE_FRAMES = {("selectors.py", "select")}  # (file name, function): the event loop waiting for I/O


def _short(path: str) -> str:
    if path.startswith(str(REPO_ROOT) + os.sep):
        return os.path.relpath(path, REPO_ROOT)
    if "site-packages" in path:
        return path.split("site-packages" + os.sep, 1)[1]
    if path.startswith(STDLIB):
        return "<stdlib>/" + os.path.relpath(path, STDLIB)
    return path


def _thread_cpu_ns(ident: int) -> int | None:
    try:
        return time.clock_gettime_ns(time.pthread_getcpuclockid(ident))
    except (OSError, ProcessLookupError):
        return None  # the thread has ended


def _threads_cpu() -> dict[str, int]:
    out: dict[str, int] = {}
    for thread in threading.enumerate():
        if thread.ident is not None and (ns := _thread_cpu_ns(thread.ident)) is not None:
            out[f"{thread.name}#{thread.ident}"] = ns
    return out


class Sampler:
    def __init__(self, control: Path, out: Path, interval_s: float) -> None:
        self.control, self.out, self.interval_s = control, out, interval_s
        self.target = threading.main_thread().ident
        self.labels: dict[CodeType, str] = {}
        self.own: Counter[str] = Counter()
        self.cum: Counter[str] = Counter()
        self.callers: Counter[str] = Counter()  # "function <- its caller"
        self.busy = self.idle = 0
        self.handler_ns = 0
        self.running = False
        self.cpu_start: dict[str, int] = {}
        self.wall0 = 0

    def label(self, code: CodeType) -> str:
        text = self.labels.get(code)
        if text is None:
            text = f"{_short(code.co_filename)}:{code.co_firstlineno} {code.co_qualname}"
            self.labels[code] = text
        return text

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        if frame is not None and self.running:
            t0 = time.perf_counter_ns()
            self.sample(frame)
            self.handler_ns += time.perf_counter_ns() - t0

    def sample(self, frame: FrameType) -> None:
        code = frame.f_code
        if (os.path.basename(code.co_filename), code.co_name) in IDLE_FRAMES:
            self.idle += 1
            return
        self.busy += 1
        own = self.label(code)
        self.own[own] += 1
        if frame.f_back is not None:
            self.callers[f"{own} <- {self.label(frame.f_back.f_code)}"] += 1
        codes: set[CodeType] = set()  # a set: recursion counts once
        f: FrameType | None = frame
        while f is not None:
            codes.add(f.f_code)
            f = f.f_back
        for c in codes:
            self.cum[self.label(c)] += 1

    def command(self) -> str:
        try:
            return self.control.read_text().strip()
        except FileNotFoundError:
            return ""

    def begin(self) -> None:
        self.own.clear()
        self.cum.clear()
        self.callers.clear()
        self.busy = self.idle = 0
        self.handler_ns = 0
        self.cpu_start = _threads_cpu()
        self.wall0 = time.monotonic_ns()
        self.running = True
        signal.setitimer(signal.ITIMER_PROF, self.interval_s, self.interval_s)

    def finish(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        self.running = False
        now = _threads_cpu()
        threads = {name: ns - self.cpu_start.get(name, 0) for name, ns in now.items()}
        for name in [n for n in threads if n.startswith("bench-sampler#")]:
            del threads[name]  # the control thread: it only polls a file
        main = next((ns for n, ns in threads.items() if n.endswith(f"#{self.target}")), 0)
        profile = {
            "interval_ms": self.interval_s * 1000,
            "wall_ns": time.monotonic_ns() - self.wall0,
            "busy_samples": self.busy,
            "idle_samples": self.idle,
            "main_cpu_ns": main,
            "cpu_ns": sum(threads.values()),
            "sampler_cpu_ns": self.handler_ns,
            "threads": threads,
            "own": dict(self.own),
            "cum": dict(self.cum),
            "callers": dict(self.callers),
        }
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(profile))
        tmp.replace(self.out)

    def control_loop(self) -> None:
        while True:
            cmd = self.command()
            if cmd == "start" and not self.running:
                self.begin()
            elif cmd == "stop" and self.running:
                self.finish()
            time.sleep(CONTROL_POLL_S)


def main(argv: list[str]) -> None:
    if "--" not in argv or argv.index("--") < 2:
        raise SystemExit(__doc__)
    split = argv.index("--")
    own, target = argv[:split], argv[split + 1 :]
    control, out = Path(own[0]), Path(own[1])
    interval_ms = float(own[own.index("--interval-ms") + 1]) if "--interval-ms" in own else 10.0
    sampler = Sampler(control, out, interval_ms / 1000)
    signal.signal(signal.SIGPROF, sampler.on_signal)
    signal.siginterrupt(signal.SIGPROF, False)  # SA_RESTART: C code's system calls just resume
    threading.Thread(target=sampler.control_loop, name="bench-sampler", daemon=True).start()
    # Import paths as `python -m mod` / `python script` would set them, not this file's directory.
    if target[:1] == ["-m"]:
        sys.path[0] = os.getcwd()
        sys.argv = [target[1], *target[2:]]
        runpy.run_module(target[1], run_name="__main__", alter_sys=True)
    else:
        sys.path[0] = os.path.dirname(os.path.abspath(target[0]))
        sys.argv = list(target)
        runpy.run_path(target[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
