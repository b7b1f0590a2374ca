#!/usr/bin/env bash
# Set up (idempotent), then run the whole test suite: unit tests and cometbft integration tests.
# Extra arguments go to pytest, e.g. ./scripts/test.sh -m "not integration" -x
#
# Two pytest-xdist workers (BPDAO_TEST_WORKERS overrides; 0 runs in this process): the integration
# tests spend most of their time waiting on block time, so two side by side about halve the run on
# 2 cores. --dist loadfile keeps each test module on one worker (a module-scoped network is started
# once); tests/conftest.py puts the long integration modules first.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
status=0
"${PYTHON:-python3}" -m pytest -n "${BPDAO_TEST_WORKERS:-2}" --dist loadfile --no-loadscope-reorder "$@" \
    || status=$?
if [[ $status -eq 5 ]]; then
    echo "error: pytest collected no tests" >&2
    exit 1
fi
exit $status
