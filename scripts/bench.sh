#!/usr/bin/env bash
# make bench: builds the benchmark package in release mode in its own build folder and runs each
# benchmark; every figure is printed beside its baseline from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq wrk >/dev/null; else echo "bench: install wrk (apt-get install wrk)" >&2; exit 1; fi
fi
cleanup=()
trap 'for step in "${cleanup[@]}"; do $step; done' EXIT
if ! scripts/pcscd.sh running; then
  scripts/pcscd.sh start
  cleanup+=("scripts/pcscd.sh stop")
fi
# PostgreSQL and a hot standby of it, for the engine comparison.
if ! scripts/postgres.sh running; then
  scripts/postgres.sh start >/dev/null
  cleanup+=("scripts/postgres.sh stop")
fi
scripts/postgres.sh replica >/dev/null
swift build --package-path Benchmarks --scratch-path .build-bench -c release
.build-bench/release/CodecBenchmark
echo
.build-bench/release/DocumentBenchmark
echo
.build-bench/release/CardBenchmark
echo
# The credit database at scale; the built database is kept in .build-bench for the next run's
# look-ups (delete it, or pass a new size, to build again).
enterprises="${STORE_ENTERPRISES:-1000000}"
.build-bench/release/StoreBenchmark --enterprises "$enterprises" --reuse
echo
.build-bench/release/ServiceBenchmark --database ".build-bench/credit-$enterprises.sqlite"
echo
# The public website on the same database: name search and enterprise pages, HTTP beside the catalog.
.build-bench/release/PublicSiteBenchmark --database ".build-bench/credit-$enterprises.sqlite"
echo
# The officials' console on the same database: the approval queue and the enterprise page, HTTP
# (logged in) beside the store calls each page makes.
.build-bench/release/ConsoleBenchmark --database ".build-bench/credit-$enterprises.sqlite"
echo
# The store on SQLite beside PostgreSQL (with a hot standby) in the same run, both loaded anew at the
# same scale (about an hour at a million enterprises on 2 cores; ENGINE_ENTERPRISES=20000 for minutes).
.build-bench/release/EngineBenchmark --postgres "$(scripts/postgres.sh url)" --replica "$(scripts/postgres.sh url replica)" \
  --enterprises "${ENGINE_ENTERPRISES:-1000000}"
echo
# Tap to verdict, offline and online, on the same database.
.build-bench/release/VerifyBenchmark --database ".build-bench/credit-$enterprises.sqlite"
echo
# The service's availability under a burst of logins and a large import, beside the build before the
# security review (commit e9861d5), built once from `git archive` and kept in .build-bench.
baseline=e9861d5
base=.build-bench/baseline-$baseline
if [ ! -x "$base/release/handbook-issuer" ]; then
  rm -rf "$base-src" && mkdir -p "$base-src"
  git archive "$baseline" | tar -x -C "$base-src"
  swift build --package-path "$base-src" --scratch-path "$base" -c release --product handbook-issuer
fi
swift build -c release --product handbook-issuer --scratch-path .build-release
.build-bench/release/AvailabilityBenchmark --issuer .build-release/release/handbook-issuer \
  --baseline "$base/release/handbook-issuer" --baseline-label "$baseline (before the review)"
