#!/usr/bin/env bash
# Set up (idempotent), then the demo: a local 4-validator testnet, a transfer, the DAO's work loop
# through the bpdao CLI; stops the testnet at the end unless --keep is given.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec "${PYTHON:-python3}" scripts/demo.py "$@"
