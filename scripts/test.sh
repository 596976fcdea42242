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
if [ $# -gt 0 ]; then
  swift test --skip-build "$@"
else
  # The issuance suites drive cards through the service and a separate service process; they run
  # after the rest, so that no other suite's card traffic meets theirs in the vpcd driver.
  swift test --skip-build --skip CardIssuanceTests --skip ServiceCrashTests --skip VerifierVerdictTests --skip WatchTests \
    --skip ConsoleBrowserTests
  swift test --skip-build --filter CardIssuanceTests --filter ServiceCrashTests --filter VerifierVerdictTests \
    --filter ConsoleBrowserTests
  # `watch` through a pcscd restart: alone, since it stops the pcscd every other card test uses.
  swift test --skip-build --filter WatchTests
fi
