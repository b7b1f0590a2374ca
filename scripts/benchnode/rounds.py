"""One measured round: a fresh network and apps, the load, the blocks read back, the figures."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from abci_app import tooling
from abci_app.tooling import REPO_ROOT
from benchnode.apps import AppUnderTest, BpdaoApp, SampledCommand
from benchnode.network import Block, Node, init_network, latest_height, read_block, rpc, wait_for_height
from benchnode.processes import Processes, box_busy_seconds, cpu_seconds, say, wait_for_port

LOADGEN_SRC = REPO_ROOT / "scripts" / "loadgen"
CACHE_DIR = Path(tempfile.gettempdir()) / "bpdao-bench-cache"  # signed tx files: costly to rebuild
CACHE_KEEP = 4


@dataclass
class LoadSettings:
    seconds: float
    conns: int
    rate: float
    method: str
    tx_size: int
    tx_count: int
    timeout_commit: str
    mempool_size: int
    nodes: int
    drain_seconds: float


@dataclass
class RoundResult:
    app: str
    load: dict[str, Any]
    window_s: float
    committed: int
    tx_per_s: float
    blocks: int
    blocks_per_s: float
    max_block_txs: int
    late_committed: int
    latency_commit_ms: tuple[float, float]
    latency_header_ms: tuple[float, float]
    cpu_cores: dict[str, float]
    cpu_us_per_tx: float  # app CPU per committed tx
    node_us_per_tx: float  # cometbft CPU per committed tx
    profile: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def build_loadgen() -> Path:
    """``go build`` the load generator into .tools/bin (Go's build cache makes a rebuild instant)."""
    binary = tooling.TOOLS_BIN / "loadgen"
    binary.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=LOADGEN_SRC, check=True)
    return binary


def percentile(sorted_values: Sequence[float], pct: int) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-pct * len(sorted_values) // 100))
    return sorted_values[rank - 1]


def tx_file(app: AppUnderTest, count: int, size: int) -> tuple[Path, dict[str, int]]:
    """The app's pre-built txs (``[group ]hex`` lines), from the cache when the same inputs built them."""
    label = "bpdao" if isinstance(app, BpdaoApp) else app.name  # the floor app runs bpdao's txs
    key = hashlib.sha256(json.dumps([label, app.fingerprint(), count, size]).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"{label}-{count}x{size}-{key}.txt"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta: dict[str, int] = json.loads(meta_path.read_text())
        say(f"{meta['count']} {app.name} txs from cache {path}")
        return path, meta
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    sizes = []
    tmp = path.with_suffix(".tmp")
    with tmp.open("w") as out:
        for group, tx in app.transactions(count, size):
            sizes.append(len(tx))
            out.write(f"{group} {tx.hex()}\n" if group else f"{tx.hex()}\n")
    tmp.replace(path)
    meta = {"count": len(sizes), "min": min(sizes), "max": max(sizes)}
    meta_path.write_text(json.dumps(meta))
    built = time.monotonic() - t0
    say(f"{len(sizes)} {app.name} txs built in {built:.1f}s, {meta['min']}..{meta['max']} bytes")
    for old in sorted(CACHE_DIR.glob("*.txt"), key=lambda p: p.stat().st_mtime)[:-CACHE_KEEP]:
        old.unlink()
        old.with_suffix(".json").unlink(missing_ok=True)
    return path, meta


def run_loadgen(
    loadgen: Path, nodes: list[Node], txs: Path, out_csv: Path, s: LoadSettings
) -> tuple[dict[str, Any], float]:
    """Run the load; returns its summary and the CPU seconds it used (from wait4's rusage)."""
    endpoints = ",".join(f"http://127.0.0.1:{n.rpc_port}" for n in nodes)
    argv = [
        str(loadgen),
        "-txs",
        str(txs),
        "-endpoints",
        endpoints,
        "-c",
        str(s.conns),
        "-rate",
        str(s.rate),
        "-duration",
        f"{s.seconds}s",
        "-method",
        s.method,
        "-out",
        str(out_csv),
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = proc.stdout.read() if proc.stdout else b""
    stderr = proc.stderr.read() if proc.stderr else b""
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen failed ({proc.returncode}): {stderr.decode(errors='replace')}")
    summary: dict[str, Any] = json.loads(stdout)
    return summary, usage.ru_utime + usage.ru_stime


def read_sends(csv_path: Path) -> dict[str, int]:
    """tx hash -> send time (unix ns) of the txs CheckTx accepted."""
    sends: dict[str, int] = {}
    with csv_path.open() as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split(",", 4)
            if parts[3] == "0" and not parts[4]:
                sends[parts[0]] = int(parts[1])
    return sends


def drain(port: int, seconds: float) -> None:
    """Let the mempool empty (bounded) so accepted txs reach a block before we read them."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if int(rpc(port, "num_unconfirmed_txs")["n_txs"]) == 0:
            break
        time.sleep(0.25)
    # one more block, so the last one has a commit we can timestamp from the next header
    target = latest_height(port) + 1
    while time.monotonic() < deadline + 5 and latest_height(port) < target:
        time.sleep(0.1)


def measure(
    app: AppUnderTest,
    settings: LoadSettings,
    cometbft: Path,
    loadgen: Path,
    work: Path,
    profiler: Callable[[Node, Path], SampledCommand] | None = None,
) -> RoundResult:
    """One round: fresh network + app processes, the load, then the blocks read back."""
    say(
        f"== {app.name}: {settings.nodes} node(s), {settings.conns} conns, {settings.seconds:g}s, "
        f"method {settings.method}, rate {settings.rate or 'max'}"
    )
    nodes = init_network(
        cometbft, work / "net", settings.nodes, settings.timeout_commit, settings.mempool_size
    )
    app.prepare(nodes, work)
    txs, _ = tx_file(app, settings.tx_count, settings.tx_size)
    procs = Processes()
    sampled: SampledCommand | None = None
    try:
        app_procs = []
        for node in nodes:
            argv = app.command(node, work)
            if profiler is not None and node.index == 0:
                sampled = profiler(node, work)
                argv = sampled.argv
            app_procs.append(procs.start("apps", argv, work / f"app{node.index}.log"))
        for node, proc in zip(nodes, app_procs, strict=True):
            wait_for_port(node.abci_port, 60, proc, work)
        node_procs = [
            procs.start(
                "nodes",
                [str(cometbft), "start", "--home", str(n.home), "--log_level", "error"],
                work / f"node{n.index}.log",
            )
            for n in nodes
        ]

        def alive() -> None:
            for name, proc in [("app", p) for p in app_procs] + [("cometbft", p) for p in node_procs]:
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"{name} (pid {proc.pid}) exited with {proc.returncode}; logs in {work}"
                    )

        port = nodes[0].rpc_port
        wait_for_height(port, 2, 60, alive)
        h0 = latest_height(port)
        cpu0 = {
            "app": sum(cpu_seconds(p.pid) for p in app_procs),
            "node": sum(cpu_seconds(p.pid) for p in node_procs),
            "box": box_busy_seconds(),
        }
        if sampled:
            sampled.send("start")
        summary, loadgen_cpu = run_loadgen(loadgen, nodes, txs, work / "sends.csv", settings)
        if sampled:
            sampled.send("stop")
        cpu1 = {
            "app": sum(cpu_seconds(p.pid) for p in app_procs),
            "node": sum(cpu_seconds(p.pid) for p in node_procs),
            "box": box_busy_seconds(),
        }
        alive()
        drain(port, settings.drain_seconds)
        alive()
        h1 = latest_height(port)
        profile = sampled.collect() if sampled else None
        blocks = [read_block(port, h) for h in range(h0 + 1, h1 + 1)]
    finally:
        procs.stop_all()
    return summarize(
        app.name, settings, summary, blocks, read_sends(work / "sends.csv"), cpu0, cpu1, loadgen_cpu, profile
    )


def summarize(
    name: str,
    s: LoadSettings,
    load: dict[str, Any],
    blocks: list[Block],
    sends: dict[str, int],
    cpu0: dict[str, float],
    cpu1: dict[str, float],
    loadgen_cpu: float,
    profile: dict[str, Any] | None,
) -> RoundResult:
    start_ns, end_ns = int(load["start_unix_ns"]), int(load["end_unix_ns"])
    window_s = (end_ns - start_ns) / 1e9
    in_window = [b for b in blocks if start_ns <= b.commit_ns <= end_ns]
    committed = sum(len(b.tx_hashes) for b in in_window)
    late = sum(len(b.tx_hashes) for b in blocks if b.commit_ns > end_ns)
    lat_commit: list[float] = []
    lat_header: list[float] = []
    for b in blocks:
        for h in b.tx_hashes:
            sent = sends.get(h)
            if sent is not None:
                lat_commit.append((b.commit_ns - sent) / 1e6)
                lat_header.append((b.header_ns - sent) / 1e6)
    lat_commit.sort()
    lat_header.sort()
    notes = []
    if load["sent"] < load["loaded"] and window_s < s.seconds * 0.95:
        notes.append("load stopped early")
    if load["sent"] >= load["loaded"] and window_s < s.seconds * 0.98:
        notes.append(f"tx file exhausted after {window_s:.1f}s: raise --tx-count; the load was file-bound")
    missing = len(sends) - len(lat_commit)
    if missing:
        notes.append(f"{missing} accepted txs not found in blocks read (still in mempool after the drain)")
    cores = {k: (cpu1[k] - cpu0[k]) / window_s for k in cpu0}
    cores["loadgen"] = loadgen_cpu / window_s
    # what the rest of the shared machine took meanwhile (this script's own share included, ~0)
    cores["others"] = max(0.0, cores.pop("box") - cores["app"] - cores["node"] - cores["loadgen"])
    return RoundResult(
        app=name,
        load=load,
        window_s=window_s,
        committed=committed,
        tx_per_s=committed / window_s if window_s else float("nan"),
        blocks=len(in_window),
        blocks_per_s=len(in_window) / window_s if window_s else float("nan"),
        max_block_txs=max((len(b.tx_hashes) for b in in_window), default=0),
        late_committed=late,
        latency_commit_ms=(percentile(lat_commit, 50), percentile(lat_commit, 95)),
        latency_header_ms=(percentile(lat_header, 50), percentile(lat_header, 95)),
        cpu_cores=cores,
        cpu_us_per_tx=(cpu1["app"] - cpu0["app"]) * 1e6 / committed if committed else float("nan"),
        node_us_per_tx=(cpu1["node"] - cpu0["node"]) * 1e6 / committed if committed else float("nan"),
        profile=profile,
        notes=notes,
    )
