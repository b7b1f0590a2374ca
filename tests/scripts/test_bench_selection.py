"""The selection benchmark runs end to end and its two draws agree (it exits 1 on a mismatch)."""

from __future__ import annotations

import sys

import pytest
from script_module import load_script

bench = load_script("bench_selection")


def test_index_and_scan_agree_and_the_figures_are_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["bench_selection.py", "--stakes", "30", "120", "--draws", "8"])
    assert bench.main() == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].split() == ["stakes", "index", "ms/draw", "scan", "ms/draw"]
    assert [row.split()[0] for row in rows[1:]] == ["30", "120"]
