#!/usr/bin/env bash
# make demo: installs what is missing, builds, starts pcscd with the virtual reader if none runs,
# runs the demo, and stops what it started.
#
# The demo today: a credit database (SQLite) created and filled with deterministic demo data,
# its audit chain checked, an enterprise's current view shown, Jiangsu's signed data package
# exported and verified, and that enterprise's handbook issued to a virtual card through pcscd,
# read back, verified and compared with the package.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build --product handbook-demo
swift build --product handbook-issuer
work=$(mktemp -d -t handbook-demo.XXXXXX)
cleanup() {
  rm -rf "$work"
  if [ "${started_pcscd:-0}" = 1 ]; then scripts/pcscd.sh stop; fi
}
trap cleanup EXIT
if ! scripts/pcscd.sh running; then
  scripts/pcscd.sh start
  started_pcscd=1
fi

issuer=.build/debug/handbook-issuer
export HANDBOOK_DATABASE="$work/credit.sqlite"
export HANDBOOK_PASSWORD="demo password, not a secret"
echo "== The credit database: $HANDBOOK_DATABASE"
$issuer init
$issuer seed-demo --enterprises 2000
$issuer audit
echo
echo "== Jiangsu's signed data package"
$issuer export --region 320000 --key Keys/p256/package-signer.key.pem --certificate Keys/p256/package-signer.pem \
  --crl Keys/p256/crl.pem --output "$work/320000.package.jsonl"

.build/debug/handbook-demo --database "$HANDBOOK_DATABASE" --package "$work/320000.package.jsonl"
