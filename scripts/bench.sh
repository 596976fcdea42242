#!/usr/bin/env bash
# make bench: builds the benchmark package in release mode in its own build folder and runs each
# benchmark; every figure is printed beside its baseline from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
if ! scripts/pcscd.sh running; then
  scripts/pcscd.sh start
  trap 'scripts/pcscd.sh stop' EXIT
fi
swift build --package-path Benchmarks --scratch-path .build-bench -c release
.build-bench/release/CodecBenchmark
echo
.build-bench/release/DocumentBenchmark
echo
.build-bench/release/CardBenchmark
