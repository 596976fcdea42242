# The two quick-start commands are `make demo` and `make test`; see README.md.
.PHONY: all build test demo fuzz bench mutants deps format clean

FUZZ_SECONDS ?= 60

all: build

deps:
	@scripts/install-deps.sh

build: deps
	swift build

## Installs what is missing, starts pcscd with the virtual reader, builds and runs every test.
test:
	@scripts/test.sh

## Runs the main job end to end on the embedded defaults.
demo:
	@scripts/demo.sh

## Runs every fuzz target (Fuzz/) for FUZZ_SECONDS each (default 60) from its committed seed corpus.
fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

## Puts each deliberate bug of Tests/TRUST-CHECKS.md into the code in turn; fails if a test misses one.
mutants:
	@scripts/mutants.py

## Release-mode benchmarks, each side by side with its baseline.
bench:
	@scripts/bench.sh

format:
	swift format --in-place --recursive Package.swift Sources Tests Fuzz Benchmarks

clean:
	rm -rf .build .build-fuzz .build-bench
