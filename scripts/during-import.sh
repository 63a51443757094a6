#!/usr/bin/env bash
# during-import.sh: what a running service keeps of its speed while
# "crmd import" writes to its database, and while its relay then publishes
# the imported events, as docs/performance.md ("During an import") reports.
#
#   scripts/during-import.sh DSN FILE [IMPORT FLAGS...]
#
# DSN is a PostgreSQL database holding org telco (its customers are the
# reads' targets); FILE holds lines it does not hold yet, enough to keep
# the import going through the runs (at 3,000 lines a second, 400,000).
# With CRM_NATS_URL set, the service relays events to NATS (a stream of
# its own), so the imported events are published while and after it runs.
# crmd serve runs throughout; crmload drives GET customer, then create
# customer, for DURATION (15s) each at 32 connections: before the import,
# twice during it (the IMPORT FLAGS are crmd import's, e.g. --rate 1000
# --batch 250), right after it ends, and once the relay has caught up.
# It prints a line per run and each phase's figures against before.
set -euo pipefail
if [[ -z "${CRM_KEK:-}${CRM_KEK_FILE:-}" ]]; then
  echo "set CRM_KEK or CRM_KEK_FILE: the key-encryption key of the database(s), the same on every run" >&2
  exit 2
fi
dsn=$1 file=$2; shift 2
duration=${DURATION:-15s}
crmd=${CRMD:-} load=${CRMLOAD:-}
work=$(mktemp -d)
trap 'kill $(cat "$work/pid" "$work/import.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
if [[ -z "$crmd" || -z "$load" ]]; then
  (cd "$(dirname "$0")/.." && go build -o "$work/crmd" ./cmd/crmd && go build -o "$work/crmload" ./cmd/crmload)
  crmd=$work/crmd load=$work/crmload
fi
"$(dirname "$0")/targets.sh" "$dsn" >"$work/targets"
key=$("$crmd" keys create --org telco --roles admin --database-url "$dsn" | tail -n1)
# A stream and subjects of the run's own (JetStream refuses a stream whose
# subjects overlap another's); the stream is left for a look afterwards:
# nats stream rm CRM_DURING_<pid>.
CRM_DATABASE_URL="$dsn" CRM_LOG_LEVEL=warn CRM_NATS_STREAM="CRM_DURING_$$" CRM_NATS_SUBJECT_PREFIX="during$$" \
  "$crmd" serve --addr 127.0.0.1:18285 >"$work/server.log" 2>&1 &
echo $! >"$work/pid"
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18285/readyz >/dev/null && break; sleep 0.2; done
if [[ -n "${CRM_NATS_URL:-}" ]]; then
  leader() { [[ "$(curl -sf http://127.0.0.1:18285/metrics)" == *'crm_relay_leader{relay="nats"} 1'* ]]; }
  for _ in $(seq 1 180); do leader && break; sleep 0.5; done  # a killed leader's lease must lapse first
  leader || { echo "the relay did not start:" >&2; tail -5 "$work/server.log" >&2; exit 1; }
fi

# measure runs crmload with mix $2 for phase $1; prints "phase op per_second p99".
measure() {
  "$load" --url http://127.0.0.1:18285 --key "$key" --duration "$duration" --concurrency 32 --seed 32 \
    --targets "$work/targets" --mix "$2" --json "$work/out.json" >/dev/null 2>"$work/load.err" ||
    { cat "$work/load.err" "$work/server.log" >&2; exit 1; }
  python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["total"]; print(sys.argv[2], sys.argv[3].split("=")[0], round(t["per_second"]), t["p99_ms"], "errors="+str(t["errors"]))' \
    "$work/out.json" "$1" "$2" | tee -a "$work/lines"
}
both() { measure "$1" get_customer=1; measure "$1" create_customer=1; }
# backlog is the events the relay has yet to publish, from the service's
# metrics (0 without a relay).
backlog() {
  curl -sf http://127.0.0.1:18285/metrics | awk '/^crm_relay_backlog_events/ { n += $2 } END { print n + 0 }'
}

# An uncounted run first: the first after the start reads the targets'
# pages and fills the caches (it was 0.7 of the next).
measure warm-up get_customer=1 >/dev/null
both before
"$crmd" import --org telco --file "$file" --database-url "$dsn" "$@" >"$work/import.out" 2>/dev/null &
echo $! >"$work/import.pid"
both during
both during
if ! kill -0 "$(cat "$work/import.pid")" 2>/dev/null; then echo "the import ended before the runs did: use a longer file" >&2; fi
wait "$(cat "$work/import.pid")" || true
cat "$work/import.out"
echo "events the relay had yet to publish when the import ended: $(backlog)"
both after
for _ in $(seq 1 600); do [[ "$(backlog)" == 0 ]] && break; sleep 1; done
echo "events the relay had yet to publish: $(backlog)"
both caught-up
python3 - "$work/lines" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    phase, op, ps, p99, _ = line.split()
    runs.setdefault((phase, op), []).append((float(ps), float(p99)))
for op in ("get_customer", "create_customer"):
    base = statistics.median(r[0] for r in runs[("before", op)])
    for phase in ("before", "during", "after", "caught-up"):
        rs = runs[(phase, op)]
        ps = statistics.median(r[0] for r in rs)
        print(f"{op:16} {phase:10} {ps:7.0f}/s  {ps / base:5.2f} of before  p99 {max(r[1] for r in rs):6.1f} ms")
PY
