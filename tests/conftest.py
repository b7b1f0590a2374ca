"""Suite-wide collection order: modules with integration tests run first.

``scripts/test.sh`` runs the suite on two pytest-xdist workers, one module at a time per worker
(``--dist loadfile``, so a module-scoped network stays on one worker). The integration modules are
few and long (they mostly wait on block time); starting them first lets the many short unit
modules fill the end of the run instead of one long network test running alone at the end.
Within each group the order is unchanged, and every module's tests stay together.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    with_integration: set[Path] = {item.path for item in items if item.get_closest_marker("integration")}
    items.sort(key=lambda item: item.path not in with_integration)  # stable: False (integration) first
