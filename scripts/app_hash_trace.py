"""Print the app hash of every block the real-app scenario tests run, to check that a refactor keeps
state bytes identical (same keys, same encodings, so the same app hashes).

Runs tests/abci_app/test_app_*.py (default_wiring: forum, availability, work, validation_pool,
governance, reputation, salary, bank, auth) with FinalizeBlock wrapped, and writes one line per block:
``<test id> h=<height> <app hash hex>``. Run it before and after a change and diff the two files:

    python scripts/app_hash_trace.py before.txt   # on the old commit
    python scripts/app_hash_trace.py after.txt    # on the new one
    diff before.txt after.txt
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from abci_app.app import Application  # noqa: E402
from abci_app.pb.tendermint.abci import types_pb2 as abci  # noqa: E402

SCENARIOS = [
    "tests/abci_app/test_app_dao_forum.py",
    "tests/abci_app/test_app_dao_pool.py",
    "tests/abci_app/test_app_governance.py",
    "tests/abci_app/test_app_proposals.py",
    "tests/abci_app/test_app_real_modules.py",
]


class HashRecorder:
    """A pytest plugin: names the running test and records each FinalizeBlock's app hash."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._test = "?"
        finalize = Application.finalize_block

        def recording_finalize(
            app: Application, req: abci.RequestFinalizeBlock
        ) -> abci.ResponseFinalizeBlock:
            res = finalize(app, req)
            self.lines.append(f"{self._test} h={req.height} {res.app_hash.hex()}")
            return res

        Application.finalize_block = recording_finalize  # type: ignore[method-assign,assignment]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._test = item.nodeid


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    recorder = HashRecorder()
    code = pytest.main(
        ["-q", "--rootdir", str(ROOT), *(str(ROOT / s) for s in SCENARIOS)], plugins=[recorder]
    )
    Path(sys.argv[1]).write_text("\n".join(recorder.lines) + "\n")
    print(f"{len(recorder.lines)} blocks recorded in {sys.argv[1]} (pytest exit {int(code)})")
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
