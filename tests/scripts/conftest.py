"""The scripts' own packages (``scripts/benchnode``) import in these tests as they do when a script runs."""

from __future__ import annotations

import sys

from abci_app.tooling import REPO_ROOT

if str(REPO_ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
