#!/usr/bin/env bash
# make test: installs what is missing, starts pcscd with the virtual reader and a throw-away PostgreSQL
# (primary and hot standby) if none runs, builds,
# runs the whole test suite, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cleanup=()
trap 'for step in "${cleanup[@]}"; do $step; done' EXIT
if ! scripts/pcscd.sh running; then
  scripts/pcscd.sh start
  cleanup+=("scripts/pcscd.sh stop")
fi
# A throw-away PostgreSQL primary and hot standby for the suites that run on both engines.
if ! scripts/postgres.sh running; then
  scripts/postgres.sh start >/dev/null
  cleanup+=("scripts/postgres.sh stop")
fi
scripts/postgres.sh replica >/dev/null
export HANDBOOK_TEST_POSTGRES_REPLICA
HANDBOOK_TEST_POSTGRES_REPLICA=$(scripts/postgres.sh url replica)
postgres=$(scripts/postgres.sh url)

swift build --build-tests
if [ $# -gt 0 ]; then
  swift test --skip-build "$@"
else
  # The issuance suites drive cards through the service and a separate service process; they run
  # after the rest, so that no other suite's card traffic meets theirs in the vpcd driver.
  swift test --skip-build --skip CardIssuanceTests --skip ServiceCrashTests --skip VerifierVerdictTests --skip WatchTests \
    --skip ConsoleBrowserTests --skip PostgresTests --skip PostgresCrashTests
  # The store's and the API's suites again, on PostgreSQL: one set of tests, both engines.
  HANDBOOK_TEST_POSTGRES=$postgres swift test --skip-build --filter CreditStoreTests --filter APITests \
    --filter AuthorisationMatrixTests --filter SecurityTests --filter PublicSiteTests --filter PostgresTests
  swift test --skip-build --filter CardIssuanceTests --filter ServiceCrashTests --filter VerifierVerdictTests \
    --filter ConsoleBrowserTests
  # The PostgreSQL server killed during an issuance: alone, since it stops the server the other
  # PostgreSQL suites use.
  HANDBOOK_TEST_POSTGRES=$postgres swift test --skip-build --filter PostgresCrashTests
  # `watch` through a pcscd restart: alone, since it stops the pcscd every other card test uses.
  swift test --skip-build --filter WatchTests
fi
