"""Smoke test of the side-by-side benchmark: a few seconds of load on each app, figures printed.

No timing asserts (speed belongs to the benchmark's figures): it checks that both rounds ran real
transactions through a real node, that the report carries every figure, and that nothing is left behind.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from abci_app.tooling import REPO_ROOT
from tests.integration.test_testnet import pids_running_under

pytestmark = [pytest.mark.integration, pytest.mark.timeout(420)]

BENCH = REPO_ROOT / "scripts" / "bench_node.py"


def test_bench_prints_figures_for_both_apps(tmp_path: Path) -> None:
    work_root = tmp_path / "work"
    work_root.mkdir()
    out_json = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable, str(BENCH),
            "--apps", "kvstore", "bpdao",
            "--seconds", "4", "--tx-count", "4000", "--senders", "40", "--conns", "8",
            "--timeout-commit", "300ms", "--drain-seconds", "20",
            "--profile-seconds", "3", "--json", str(out_json), "--work-root", str(work_root),
        ],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = proc.stdout

    for heading in ("tx/s", "committed", "blocks/s", "p50 ms", "p95 ms", "cores app/node/lg/others"):
        assert heading in report
    assert "ratio bpdao/kvstore:" in report
    assert "bpdao app profile over the load window" in report

    data = json.loads(out_json.read_text())
    (round_,) = data["rounds"]
    by_app = {r["app"]: r for r in round_}
    assert set(by_app) == {"kvstore", "bpdao"}
    for app, r in by_app.items():
        assert r["load"]["accepted"] > 0, app
        assert r["load"]["rejected"] == 0, (app, r["load"]["rejected_by_code"])
        assert r["committed"] > 0, app
        assert r["tx_per_s"] == pytest.approx(r["committed"] / r["window_s"])
        p50, p95 = r["latency_commit_ms"]
        assert math.isfinite(p50) and math.isfinite(p95) and 0 < p50 <= p95, app
        assert r["cpu_cores"]["app"] > 0 and r["cpu_cores"]["node"] > 0, app
        assert f"{app} " in report and f"{r['tx_per_s']:.0f}" in report

    profile_run = data["profile_run"]
    assert profile_run["app"] == "bpdao" and profile_run["committed"] > 0
    profile = profile_run["profile"]
    assert profile["busy_samples"] > 0 and profile["main_cpu_ns"] > 0
    # the app's own code shows up in the profile (the sampler sees the ABCI server at work)
    assert any(name.startswith("abci_app/") for name in profile["cum"])
    assert by_app["kvstore"]["profile"] is None and by_app["bpdao"]["profile"] is None

    assert list(work_root.iterdir()) == [], "the benchmark left its work directories behind"
    assert pids_running_under(work_root) == [], "the benchmark left processes running"
