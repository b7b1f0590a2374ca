"""Import a script of ``scripts/`` as a module (they are files to run, not a package)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from abci_app.tooling import REPO_ROOT


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` as module ``name`` (registered in sys.modules: dataclasses need it)."""
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
