#!/usr/bin/env bash
# make demo: installs what is missing, builds, starts pcscd with the virtual reader if none runs,
# runs the demo, and stops the pcscd it started.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build --product handbook-demo
if ! scripts/pcscd.sh running; then
  scripts/pcscd.sh start
  trap 'scripts/pcscd.sh stop' EXIT
fi
.build/debug/handbook-demo
