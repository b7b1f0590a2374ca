"""``bpdao query blocks ...``: each command asks the node the right query path with the right args."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_fakes import install_recording_client, run_cli

ANSWER = {
    "height": 7,
    "proposer": "bpdao1x",
    "fees": 3,
    "tax": 10,
    "status": "pooled",
    "post_id": 2,
    "pool_id": 4,
}


@pytest.mark.parametrize(
    ("argv", "path", "args"),
    [
        (("query", "blocks", "params"), "/blocks/params", {}),
        (("query", "blocks", "block", "7"), "/blocks/block", {"height": 7}),
        (("q", "blocks", "window", "3", "9"), "/blocks/window", {"from": 3, "to": 9}),
    ],
)
def test_queries_reach_their_paths(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: tuple[str, ...],
    path: str,
    args: dict[str, Any],
) -> None:
    client = install_recording_client(monkeypatch, ANSWER)
    code, out = run_cli(capsys, str(tmp_path), argv, keyring=False)
    assert code == 0 and out == ANSWER
    assert client.queries == [(path, args)]
