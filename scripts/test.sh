#!/usr/bin/env bash
# Set up (idempotent), then run the whole test suite: unit tests and cometbft integration tests.
# Extra arguments go to pytest, e.g. ./scripts/test.sh -m "not integration" -x
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
status=0
"${PYTHON:-python3}" -m pytest "$@" || status=$?
if [[ $status -eq 5 ]]; then
    echo "error: pytest collected no tests" >&2
    exit 1
fi
exit $status
