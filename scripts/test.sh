#!/usr/bin/env bash
# The test command (README "Run the tests"): checks that the real Postgres and Redis are up
# (starting them when this machine has them installed but stopped), typechecks, then runs jest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
npx tsc -p tsconfig.json --noEmit
npx jest --maxWorkers=2 --forceExit "$@"
