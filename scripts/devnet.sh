#!/usr/bin/env bash
# Set up (idempotent), then run a one-node devnet: blocks, a transfer committing, balances; stops after the
# demo unless --keep is given.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec "${PYTHON:-python3}" scripts/devnet.py "$@"
