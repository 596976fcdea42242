#!/usr/bin/env bash
# make demo: the main job end to end, on the embedded defaults, from a fresh clone.
#
#   installs what is missing, builds, starts pcscd with the virtual reader and a blank virtual card,
#   creates the SQLite credit database with demo data, starts the issuance service, issues a card
#   to one enterprise over the API, verifies it (current), records and approves a new bad record
#   for that enterprise, verifies again (outdated, with the difference), revokes the card, verifies
#   again (revoked), shows a tampered copy of the card failing (invalid), and stops everything it
#   started. Exits non-zero if any step does not give what it should.
#
# The public website runs beside the service on its own listener; the demo checks that the new
# record shows there and that the enterprise's signed credit report verifies. The officials'
# console is on the service's listener under /console; the demo logs in there as the approver and
# finds the new record in the approval queue. Both addresses and the demo accounts are printed.
#
# DEMO_DATABASE=postgres runs the same demo on PostgreSQL: a throw-away server (scripts/postgres.sh)
# and a hot standby of it, which the service and the public site read from.
#
# Settings (environment): DEMO_PORT (default 8765), DEMO_PUBLIC_PORT (default 8766),
# DEMO_ENTERPRISES (default 2000), DEMO_KEEP=1 keeps the work folder (database, card image, logs) and
# prints where it is, DEMO_STAY=1 keeps the service and the site running until Ctrl-C at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${DEMO_PORT:-8765}
public_port=${DEMO_PUBLIC_PORT:-8766}
site="http://127.0.0.1:$public_port"
enterprises=${DEMO_ENTERPRISES:-2000}
reader="Virtual PCD 00 00"
service="http://127.0.0.1:$port"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "demo: $*" >&2; exit 1; }

step "Installing what is missing and building"
scripts/install-deps.sh
swift build 2>&1 | grep --line-buffered -v "prohibited flag"
bin=$(swift build --show-bin-path)

work=$(mktemp -d -t handbook-demo.XXXXXX)
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${started_pcscd:-0}" = 1 ]; then scripts/pcscd.sh stop; fi
  if [ "${started_postgres:-0}" = 1 ]; then scripts/postgres.sh stop; fi
  if [ "${DEMO_KEEP:-0}" = 1 ]; then echo "demo: the work folder is kept: $work"; else rm -rf "$work"; fi
  [ $status -eq 0 ] && echo "demo: everything it started is stopped" || echo "demo: FAILED (exit $status); see above" >&2
}
trap cleanup EXIT

step "pcscd with the virtual reader, and a blank virtual card in '$reader'"
if ! scripts/pcscd.sh running; then
  scripts/pcscd.sh start
  started_pcscd=1
fi
"$bin/virtual-card" make --profile handbook-32k --serial 8656D00000000001 --out "$work/card.json"
"$bin/virtual-card" run --image "$work/card.json" --port 35963 >"$work/card.log" 2>&1 &
pids+=($!)

serve_options=()
if [ "${DEMO_DATABASE:-sqlite}" = postgres ]; then
  step "PostgreSQL: a throw-away primary and a hot standby of it"
  if ! scripts/postgres.sh running; then
    scripts/postgres.sh start >/dev/null
    started_postgres=1
  fi
  export HANDBOOK_DATABASE
  HANDBOOK_DATABASE=$(scripts/postgres.sh createdb "demo_$(date +%s)")
  replica=$(scripts/postgres.sh replica)
  serve_options=(--read-database "${replica%/*}/${HANDBOOK_DATABASE##*/}")
  export HANDBOOK_PACKAGE_FOLDER="$work/packages"
  echo "primary: $HANDBOOK_DATABASE; hot standby: ${serve_options[1]}"
  step "The credit database (PostgreSQL) with demo data: $enterprises enterprises"
else
  export HANDBOOK_DATABASE="$work/credit.sqlite"
  step "The credit database (SQLite) with demo data: $enterprises enterprises"
fi
export HANDBOOK_PASSWORD="demo password, not a secret"
issuer="$bin/handbook-issuer"
$issuer init
$issuer seed-demo --enterprises "$enterprises"
for role in recorder approver issuer inspector auditor; do
  $issuer accounts add "$role" --role "$role" --regions 310000 >/dev/null
done
echo "accounts: admin (all three provinces), recorder, approver, issuer, inspector, auditor (Shanghai, 310000)"
echo "password of every demo account: $HANDBOOK_PASSWORD"

step "The issuance service on $service and the public website on $site (office: Shanghai, TEST keys of Keys/)"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "port $port is in use; run with DEMO_PORT=another"; fi
if (exec 3<>"/dev/tcp/127.0.0.1/$public_port") 2>/dev/null; then
  fail "port $public_port is in use; run with DEMO_PUBLIC_PORT=another"
fi
LOG_LEVEL=warning $issuer serve --listen "127.0.0.1:$port" --public-listen "127.0.0.1:$public_port" --reader "$reader" \
  "${serve_options[@]}" \
  >"$work/service.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "$service/v1/health" >/dev/null && break; sleep 0.1; done
curl -sf "$service/v1/health" >/dev/null || { cat "$work/service.log"; fail "the service did not start"; }
echo "up: $(curl -s "$service/v1/health")"
curl -sf "$site/" >/dev/null || { cat "$work/service.log"; fail "the public site did not start"; }
echo "public site: $site/"
curl -s -o /dev/null -w '%{http_code}' "$service/console/login" | grep -q 200 || fail "the console did not answer"
echo "officials' console: $service/console (log in as one of the accounts above)"

# api METHOD PATH TOKEN [BODY]: the answer's body; fails the demo on an error answer.
api() {
  local answer
  answer=$(curl -s -w '\n%{http_code}' -X "$1" "$service$2" -H "Authorization: Bearer $3" \
    ${4:+-H 'Content-Type: application/json' --data "$4"})
  local code=${answer##*$'\n'}
  local body=${answer%$'\n'*}
  [[ $code == 2* ]] || fail "$1 $2 answered $code: $body"
  printf '%s' "$body"
}
login() { curl -sf -X POST "$service/v1/login" -H 'Content-Type: application/json' \
  --data "{\"name\":\"$1\",\"password\":\"$HANDBOOK_PASSWORD\"}" | jq -r .token; }
issuer_token=$(login issuer)
recorder_token=$(login recorder)
approver_token=$(login approver)

step "Issuing the handbook of a Shanghai enterprise to the card"
enterprise=$(api GET "/v1/enterprises?name=%E4%B8%8A%E6%B5%B7&limit=1" "$issuer_token" | jq -c '.[0]')
uscc=$(jq -r .uscc <<<"$enterprise")
region=$(jq -r .registeredRegion <<<"$enterprise")
echo "enterprise: $(jq -r .name <<<"$enterprise") ($uscc, registered in $region)"
issued=$(api POST /v1/issuances "$issuer_token" "{\"uscc\":\"$uscc\",\"reader\":\"$reader\"}")
serial=$(jq -r .card <<<"$issued")
echo "issued: document $(jq -r .document <<<"$issued") on card $serial ($(jq -r .bytes <<<"$issued") bytes, database revision $(jq -r .viewRevision <<<"$issued"))"

# verify EXPECTED [ARGS…]: runs handbook-verify as an inspector would, prints its verdict, checks its exit code.
verify() {
  local expected=$1
  shift
  local code=0
  "$bin/handbook-verify" verify "$@" --log "$work/checks.jsonl" || code=$?
  [ "$code" -eq "$expected" ] || fail "handbook-verify exited $code, expected $expected"
  echo "(exit code $code)"
}
online=(--reader "$reader" --service "$service" --account inspector)

step "Verifying the card online (expected: current, exit 0)"
verify 0 "${online[@]}"

step "A new bad record for the enterprise: recorded, approved, published"
today=$(date -u +%F)
record=$(api POST /v1/records "$recorder_token" "$(jq -nc --arg region "$region" --arg uscc "$uscc" --arg day "$today" '{
  region: $region, uscc: $uscc, kind: "bad", behaviourCode: "D1-3-01",
  decisionNumber: "沪建罚〔2026〕108号", authority: "上海市住房和城乡建设管理委员会", authorityLevel: "province",
  decisionDate: $day, publicationMonths: 6, summary: "施工中偷工减料，降低工程质量标准"}')")
number=$(jq -r .recordNumber <<<"$record")
# The approver's console: log in with the form, find the record waiting in the queue.
jar="$work/console-cookies"
curl -sf -c "$jar" -o /dev/null --data-urlencode "name=approver" --data-urlencode "password=$HANDBOOK_PASSWORD" \
  "$service/console/login" || fail "the console login failed"
# (Each page is read whole before it is searched: `curl | grep -q` fails under pipefail when grep stops
# reading before curl has written everything.)
queue=$(curl -sf -b "$jar" "$service/console/queue")
grep -q "data-number=\"$number\"" <<<"$queue" ||
  fail "record $number is not in the approver's queue on the console"
echo "the console's approval queue ($service/console/queue) lists record $number"
api POST "/v1/records/$number/approve" "$approver_token" '{}' >/dev/null
api POST "/v1/records/$number/publish" "$approver_token" "{\"on\":\"$today\"}" >/dev/null
echo "record $number: bad behaviour D1-3-01, published $today"

step "The public website shows the record, and the enterprise's signed credit report verifies"
# On PostgreSQL the site reads the hot standby: it shows the record once the standby has replayed the
# commit (usually within milliseconds; the demo waits up to 10 s).
for _ in $(seq 1 100); do
  public_page=$(curl -sf "$site/enterprises/$uscc") || true
  grep -q "$number" <<<"$public_page" && break
  sleep 0.1
done
grep -q "$number" <<<"$public_page" || fail "the public page of $uscc does not show record $number"
echo "$site/enterprises/$uscc shows record $number"
curl -sf "$site/enterprises/$uscc/report.json" -o "$work/report.jsonl" || fail "no credit report"
"$bin/handbook-verify" report "$work/report.jsonl" || fail "the credit report does not verify"

step "Verifying again (expected: outdated, with the difference, exit 1)"
verify 1 "${online[@]}"

step "Revoking the card"
api POST "/v1/cards/$serial/revoke" "$issuer_token" '{"reason":"遗失 lost (demo)"}' | jq -c '{card: .serial, state}' 2>/dev/null || true

step "Verifying again (expected: revoked, exit 3)"
verify 3 "${online[@]}"

step "A tampered copy of the card: one byte of the document changed, the commit record made to match (expected: invalid, exit 5)"
"$bin/virtual-card" tamper --image "$work/card.json" --out "$work/tampered.json"
verify 5 --image "$work/tampered.json"

step "The record of checks (kept locally, and by the service)"
jq -c '{checkedAt, cardSerial, documentNumber, verdict, comparedRevision, sentToService}' "$work/checks.jsonl"
echo
echo "demo: every verdict as expected: current, outdated, revoked, invalid"
echo "demo: the service is at $service, its console at $service/console, the public website at $site/"
if [ "${DEMO_STAY:-0}" = 1 ]; then
  echo "demo: both stay up until Ctrl-C (DEMO_STAY=1)"
  wait "${pids[@]}" || true
fi
