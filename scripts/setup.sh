#!/usr/bin/env bash
# Set up this checkout on a fresh machine; idempotent and fast when already done.
#   1. the Python package and its dev tools:  python3 -m pip install -e '.[dev]'
#   2. the pinned cometbft (go install into .tools/bin) and the protobuf bindings: python3 -m abci_app.tooling
#   3. the bytecode of the project's modules (python3 -m compileall)
# The Go build (about 2 minutes when Go's caches are cold) runs in the background while pip installs: it needs
# neither pip nor the bindings, and `python3 -m abci_app.tooling` runs from the checkout uninstalled.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
# Go's default install location may be missing from PATH in a non-login shell (CI).
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
    export PATH="$PATH:/usr/local/go/bin"
fi

# Re-run pip only when pyproject.toml, the interpreter or this checkout's location changed,
# or the package is not installed (pip takes ~10 s even when nothing is to do).
mkdir -p .tools
"$PY" -m abci_app.tooling --go-only &
go_build=$!
trap 'kill "$go_build" 2>/dev/null || true' EXIT  # on a failed step, the build stops too

stamp=".tools/.pip-stamp-$(printf '%s' "$PWD" | sha256sum | cut -c1-12)"
want="$("$PY" -c 'import sys; print(sys.executable, sys.version)') $(sha256sum pyproject.toml | cut -c1-64)"
# Where pip installed bpdao from (run outside the checkout: its own bpdao.egg-info would answer).
installed_at="$(cd / && "$PY" -c '
import json
from importlib import metadata
try:
    print(json.loads(metadata.distribution("bpdao").read_text("direct_url.json") or "{}").get("url", ""))
except metadata.PackageNotFoundError:
    pass
' 2>/dev/null || true)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" || "$installed_at" != "file://$PWD" ]]; then
    echo "[setup] python3 -m pip install -e '.[dev]'" >&2
    "$PY" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
    printf '%s' "$want" > "$stamp"
else
    echo "[setup] python package bpdao already installed from $PWD" >&2
fi

wait "$go_build"
trap - EXIT
"$PY" -m abci_app.tooling --skip-go

# The project's bytecode, compiled once (skipped when up to date): the tests and every node start
# many Python processes, and where PYTHONDONTWRITEBYTECODE is set each would compile every module
# again (~0.2 s of CPU per CLI command).
"$PY" -m compileall -q abci_app modules genesis
