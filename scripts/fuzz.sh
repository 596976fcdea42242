#!/usr/bin/env bash
# make fuzz: builds the libFuzzer target with ASan in its own build folder and runs it for the given
# number of seconds (default 60) from the committed seed corpus. New corpus entries go to
# .build-fuzz/corpus, so the committed seeds stay as they are; a crash is saved as .build-fuzz/crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

scripts/install-deps.sh
# PLATFORM.md: -sanitize flags through -Xswiftc link Swift's main over libFuzzer's; use --sanitize.
# An incremental rebuild here has been seen to produce an uninstrumented binary, so the build
# products (not the package checkouts) are made anew each time; it takes seconds.
rm -rf .build-fuzz/x86_64-unknown-linux-gnu .build-fuzz/aarch64-unknown-linux-gnu .build-fuzz/release
swift build --package-path Fuzz --scratch-path .build-fuzz -c release \
  --sanitize=fuzzer --sanitize=address --product TLVFuzz
mkdir -p .build-fuzz/corpus
# Refuse to "fuzz" without coverage feedback: libFuzzer prints cov: on its INITED line when the
# target is instrumented.
if ! SWIFT_BACKTRACE=enable=no .build-fuzz/release/TLVFuzz -runs=0 Fuzz/corpus/tlv 2>&1 | grep -q "INITED cov:"; then
  echo "fuzz: the TLVFuzz binary is not instrumented for coverage; remove .build-fuzz and retry" >&2
  exit 1
fi
SWIFT_BACKTRACE=enable=no .build-fuzz/release/TLVFuzz \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
  -artifact_prefix=.build-fuzz/ -print_final_stats=1 \
  .build-fuzz/corpus Fuzz/corpus/tlv
