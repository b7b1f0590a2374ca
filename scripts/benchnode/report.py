"""The printed report: the rounds table, the ratios to the Go kvstore, the app's CPU profile."""

from __future__ import annotations

import json
import os
import statistics
from typing import Any

from benchnode.rounds import LoadSettings, RoundResult


def report(rounds: list[list[RoundResult]], s: LoadSettings, profile_run: RoundResult | None = None) -> str:
    lines = [
        f"# bench_node: {s.nodes} node(s), {s.conns} conns, broadcast_tx_{s.method}, "
        f"rate {s.rate or 'max'}, {s.seconds:g}s load, ~{s.tx_size}-byte txs, "
        f"timeout_commit {s.timeout_commit}, mempool {s.mempool_size}, {os.cpu_count()} cores",
        "# latency: commit = block decided (median precommit time) - send; hdr = block header time - send",
        "",
        f"{'round':<5} {'app':<8} {'tx/s':>6} {'committed':>9} {'blocks/s':>8} {'max/blk':>7} "
        f"{'p50 ms':>6} {'p95 ms':>6} {'hdr p50':>7} {'hdr p95':>7} {'accepted':>9} "
        f"{'cores app/node/lg/others':>24} {'app µs/tx':>9} {'node µs/tx':>10}",
    ]
    for number, results in enumerate(rounds, 1):
        for r in results:
            cores = "/".join(f"{r.cpu_cores[k]:.2f}" for k in ("app", "node", "loadgen", "others"))
            lines.append(
                f"{number:<5} {r.app:<8} {r.tx_per_s:>6.0f} {r.committed:>9} {r.blocks_per_s:>8.2f} "
                f"{r.max_block_txs:>7} {r.latency_commit_ms[0]:>6.0f} {r.latency_commit_ms[1]:>6.0f} "
                f"{r.latency_header_ms[0]:>7.0f} {r.latency_header_ms[1]:>7.0f} {r.load['accepted']:>9} "
                f"{cores:>24} {r.cpu_us_per_tx:>9.0f} {r.node_us_per_tx:>10.0f}"
            )
            for note in r.notes:
                lines.append(f"      note: {note}")
            if r.load["errors"]:
                lines.append(f"      errors: {json.dumps(r.load['errors_by_message'])}")
            if r.load["rejected"]:
                lines.append(f"      rejected by CheckTx code: {json.dumps(r.load['rejected_by_code'])}")
    lines += ["", *summary_lines(rounds, target_ratio(s.nodes))]
    if profile_run is not None and profile_run.profile:
        lines += [
            "",
            f"(the profile comes from an extra {profile_run.window_s:.0f} s run of {profile_run.app} under "
            f"the sampler, kept out of the figures above: {profile_run.tx_per_s:.0f} tx/s, "
            f"{profile_run.cpu_us_per_tx:.0f} app µs/tx there)",
            "",
            *format_profile(profile_run.app, profile_run.profile),
        ]
    return "\n".join(lines)


def target_ratio(nodes: int) -> float:
    """The issues' targets: 0.9x the Go kvstore on one node (foundation), 0.75x on a network with
    Proof of Reputation on (its pools, beacon and committee cost per block)."""
    return 0.90 if nodes == 1 else 0.75


def summary_lines(rounds: list[list[RoundResult]], target: float) -> list[str]:
    """Median tx/s per app and the bpdao/kvstore (and floor/kvstore) ratio, per round (same sitting)
    and of the medians."""
    by_app: dict[str, list[RoundResult]] = {}
    for results in rounds:
        for r in results:
            by_app.setdefault(r.app, []).append(r)
    lines = []
    for app, rs in by_app.items():
        rate = statistics.median(r.tx_per_s for r in rs)
        p50 = statistics.median(r.latency_commit_ms[0] for r in rs)
        p95 = statistics.median(r.latency_commit_ms[1] for r in rs)
        lines.append(
            f"{app}: {rate:.0f} tx/s committed, latency p50 {p50:.0f} ms, p95 {p95:.0f} ms "
            f"(median of {len(rs)})"
        )
    for app in ("floor", "bpdao"):
        pairs = [
            (rs[app].tx_per_s / rs["kvstore"].tx_per_s)
            for rs in ({r.app: r for r in results} for results in rounds)
            if app in rs and "kvstore" in rs and rs["kvstore"].tx_per_s > 0
        ]
        if pairs:
            per_round = ", ".join(f"{x:.2f}" for x in pairs)
            goal = f"target >= {target:.2f}x" if app == "bpdao" else "no state machine: the floor"
            median = statistics.median(pairs)
            lines.append(f"ratio {app}/kvstore: {median:.2f}x (per round: {per_round}; {goal})")
    return lines


def format_profile(app: str, profile: dict[str, Any], top: int = 15) -> list[str]:
    busy = profile["busy_samples"] or 1
    samples = profile["busy_samples"] + profile["idle_samples"]
    main_cpu, cpu = profile["main_cpu_ns"] / 1e9, profile["cpu_ns"] / 1e9
    threads = sorted(profile["threads"].items(), key=lambda kv: -kv[1])
    lines = [
        f"## {app} app profile over the load window: {cpu:.1f} CPU s in all threads, {main_cpu:.1f} in the "
        f"main thread (the ABCI event loop, where the app runs)",
        f"   {samples} samples, one per {profile['interval_ms']:g} ms of process CPU; "
        f"{100 * profile['idle_samples'] / max(1, samples):.0f}% found the loop in select (CPU spent by "
        f"other threads or the kernel); sampler overhead "
        f"{100 * profile['sampler_cpu_ns'] / max(1, profile['main_cpu_ns']):.1f}% of the main thread's CPU",
        "   threads by CPU s: " + ", ".join(f"{n.split('#')[0]} {ns / 1e9:.2f}" for n, ns in threads[:4]),
        f"{'own %':>6} {'cum %':>6}  function (% of busy samples, by own)",
    ]
    own: dict[str, int] = profile["own"]
    cum: dict[str, int] = profile["cum"]
    for fn, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"{100 * n / busy:>6.1f} {100 * cum.get(fn, 0) / busy:>6.1f}  {fn}")
    callers: dict[str, int] = profile.get("callers", {})
    lines += ["", "   top callers of the top 5 by own:"]
    for fn, _ in sorted(own.items(), key=lambda kv: -kv[1])[:5]:
        mine = sorted(
            ((k, n) for k, n in callers.items() if k.startswith(fn + " <- ")), key=lambda kv: -kv[1]
        )
        for key, n in mine[:2]:
            lines.append(f"{100 * n / busy:>6.1f}         {key}")
    lines += ["", f"{'cum %':>6} {'own %':>6}  function (by cumulative; frames on every stack omitted)"]
    inner = [(fn, n) for fn, n in cum.items() if n < 0.98 * busy]
    for fn, n in sorted(inner, key=lambda kv: -kv[1])[:top]:
        lines.append(f"{100 * n / busy:>6.1f} {100 * own.get(fn, 0) / busy:>6.1f}  {fn}")
    return lines
