#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets (Fuzz/) with ASan in their own build folder and runs each
# for the given number of seconds (default 60) from its committed seed corpus, one after another.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      targets: TLVFuzz DocumentFuzz CardFilesFuzz
#                                              PackageFuzz ImportFuzz APIFuzz (default: all)
#
# New corpus entries go to .build-fuzz/corpus/<target>, so the committed seeds stay as they are; a
# crash, leak or timeout is saved as .build-fuzz/<target>-crash-* and stops the run with its report.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(TLVFuzz DocumentFuzz CardFilesFuzz PackageFuzz ImportFuzz APIFuzz)

scripts/install-deps.sh
# Why a build once came out without coverage counters (one run in four): SwiftPM passes each
# --sanitize value as its own -sanitize= flag, in the order of a Set (which changes from run to
# run), and the Swift driver hands the frontend only the last -sanitize= flag — so when "address"
# came last, no file was compiled with coverage. One flag naming both sanitizers reaches every
# compile job; --sanitize=fuzzer stays so that SwiftPM links libFuzzer's main, not Swift's.
# The scratch folder is the fuzz targets' own, so these flags never mix with another build's.
swift build --package-path Fuzz --scratch-path .build-fuzz -c debug --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
binaries=.build-fuzz/debug
for target in "${targets[@]}"; do
  corpus=Fuzz/corpus/$target
  [ -d "$corpus" ] || { echo "fuzz: no seed corpus $corpus" >&2; exit 1; }
  # Refuse to "fuzz" without coverage feedback: libFuzzer prints cov: on its INITED line only when
  # the target is instrumented.
  probe=$(ASAN_OPTIONS=leak_check_at_exit=0 LSAN_OPTIONS=suppressions=Fuzz/lsan.supp SWIFT_BACKTRACE=enable=no \
    "$binaries/$target" -runs=0 "$corpus" 2>&1 || true)
  if ! grep -q "INITED cov:" <<<"$probe"; then
    echo "fuzz: $target is not instrumented for coverage (or failed on its seeds); remove .build-fuzz and retry" >&2
    tail -20 <<<"$probe" >&2
    exit 1
  fi
  mkdir -p ".build-fuzz/corpus/$target"
  echo "fuzz: $target for $seconds s"
  rm -f ".build-fuzz/$target-"*
  status=0
  # Fuzz with leak checking off (it scans the heap after nearly every input: ten times slower),
  # then run every input of the corpus once more with leak checking on: each is checked for what it
  # allocates and does not free. The fixtures a target sets up once (a database, the service's
  # thread pools) live until exit and are not reported then (Fuzz/lsan.supp).
  run() {
    ASAN_OPTIONS=leak_check_at_exit=0 LSAN_OPTIONS=suppressions=Fuzz/lsan.supp SWIFT_BACKTRACE=enable=no \
      "$binaries/$target" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
      -artifact_prefix=".build-fuzz/$target-" "$@"
  }
  run -max_total_time="$seconds" -detect_leaks=0 -print_final_stats=1 \
    ".build-fuzz/corpus/$target" "$corpus" >".build-fuzz/$target.log" 2>&1 || status=$?
  if [ "$status" -eq 0 ]; then
    run -runs=0 -detect_leaks=1 ".build-fuzz/corpus/$target" "$corpus" >>".build-fuzz/$target.log" 2>&1 || status=$?
  fi
  grep -E "^(#[0-9]+ +DONE|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb))" ".build-fuzz/$target.log" || true
  # libFuzzer exits non-zero and writes an artifact on a crash, leak, timeout or out-of-memory.
  if [ "$status" -ne 0 ] || ls ".build-fuzz/$target-"* >/dev/null 2>&1; then
    tail -60 ".build-fuzz/$target.log" >&2
    echo "fuzz: $target found a problem (exit $status); the log is .build-fuzz/$target.log" >&2
    exit 1
  fi
done
