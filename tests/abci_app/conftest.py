"""Fixtures shared by the abci_app tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from abci_app.cli.main import main
from modules.core.address import from_bech32


@pytest.fixture
def home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, bytes]:
    """A CLI home whose test keyring holds ``alice``; returns (home, alice's address)."""
    home = str(tmp_path / "h")
    assert (
        main(["keys", "add", "alice", "--home", home, "--keyring-backend", "test", "--output", "json"]) == 0
    )
    return home, from_bech32(json.loads(capsys.readouterr().out)["address"])
