#!/usr/bin/env bash
# make test: installs what is missing, starts pcscd with the virtual reader if none runs, builds,
# runs the whole test suite, and stops the pcscd it started.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
if ! scripts/pcscd.sh running; then
  scripts/pcscd.sh start
  trap 'scripts/pcscd.sh stop' EXIT
fi

swift build --build-tests
swift test --skip-build "$@"
