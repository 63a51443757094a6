#!/usr/bin/env bash
# perf.sh: the figures of docs/performance.md, reproduced.
#
#   scripts/perf.sh sqlite                 # embedded default
#   scripts/perf.sh postgres [DSN]         # default DSN: local PostgreSQL, database postgres
#
# It builds crmd and the load generator crmload, starts crmd on a fresh
# database, measures the engine's own ceiling in the same run (go test
# -bench Store: prepared primary-key select, durable insert + outbox row; on PostgreSQL, pgbench's too), then drives
# the server with crmload at 32 connections: GET customer alone, create
# customer alone, then the mixed workload. Peak resident memory of the
# server is read from /proc.
set -euo pipefail
cd "$(dirname "$0")/.."
engine="${1:-sqlite}"
duration="${DURATION:-20s}"
work=$(mktemp -d)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/crmd" ./cmd/crmd
go build -o "$work/crmload" ./cmd/crmload

case "$engine" in
  sqlite) dsn="sqlite:$work/data/crm.db"; benchenv=() ;;
  postgres)
    base="${2:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
    schema="perf_$(date +%s)"
    psql "$base" -qc "CREATE SCHEMA $schema"
    trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; psql "$base" -qc "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE"; rm -rf "$work"' EXIT
    sep='?'; [[ "$base" == *\?* ]] && sep='&'
    dsn="$base${sep}search_path=$schema"
    benchenv=(CRM_TEST_POSTGRES_DSN="$base")
    # PostgreSQL needs a key-encryption key; the run's schema is new, so a new key does.
    export CRM_KEK="${CRM_KEK:-$(head -c 32 /dev/urandom | base64)}" ;;
  *) echo "usage: $0 sqlite|postgres [DSN]" >&2; exit 2 ;;
esac

echo "== engine ceiling (go test -bench Store, 32 goroutines)"
env "${benchenv[@]}" go test -run '^$' -bench "Store/$engine/" -benchtime 3s -cpu 32 ./sqlstore/ | grep Benchmark

if [[ "$engine" == postgres ]] && command -v pgbench >/dev/null; then
  # The issue's own yardstick: pgbench at 32 clients, in the run's schema.
  pgb="$base${sep}options=-csearch_path%3D$schema"
  echo "== PostgreSQL ceiling (pgbench, 32 clients, 10 s each)"
  pgbench -q -i -s 1 "$pgb" >/dev/null 2>&1
  printf 'primary-key select:              '
  pgbench -n -S -M prepared -c 32 -j 2 -T 10 "$pgb" 2>/dev/null | grep -E '^tps' | sed 's/ (without.*//'
  psql "$pgb" -qc "CREATE TABLE bench_rows (id BIGSERIAL PRIMARY KEY, body JSON NOT NULL);
    CREATE TABLE bench_outbox (id BIGSERIAL PRIMARY KEY, aggregate_id BIGINT NOT NULL, data JSON NOT NULL)"
  cat >"$work/insert.sql" <<'SQL'
BEGIN;
INSERT INTO bench_rows (body) VALUES ('{"name":"Antonio"}');
INSERT INTO bench_outbox (aggregate_id, data) VALUES (currval('bench_rows_id_seq'), '{"changes":{}}');
COMMIT;
SQL
  printf 'durable insert + outbox row:     '
  pgbench -n -f "$work/insert.sql" -M prepared -c 32 -j 2 -T 10 "$pgb" 2>/dev/null | grep -E '^tps' | sed 's/ (without.*//'
fi

key=$("$work/crmd" keys create --org telco --roles admin --database-url "$dsn" 2>/dev/null | tail -n1)
CRM_DATABASE_URL="$dsn" CRM_LOG_LEVEL=warn "$work/crmd" serve --addr 127.0.0.1:18181 >"$work/server.log" 2>&1 &
echo $! >"$work/pid"
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:18181/readyz >/dev/null && break; sleep 0.2; done

# run drives one mix and adds the server's CPU time per request over the
# driven part (seeding left out), read from /proc: on a machine whose speed
# varies from minute to minute it moves far less than the throughput does.
cpu() { awk '{print $14 + $15}' "/proc/$(cat "$work/pid")/stat"; }
# analyze gives PostgreSQL the statistics of the seeded tables before the
# measured part, as a database that has run for a minute has them (its
# autovacuum's first pass): plans made on the empty schema's statistics
# read an org's every row where an index would find one, until then.
analyze() { [[ -z "${schema:-}" ]] || psql "$base" -qc "SET search_path = $schema; ANALYZE" >/dev/null; }
run() {
  "$work/crmload" --url http://127.0.0.1:18181 --key "$key" --duration "$duration" --concurrency 32 --seed 1000 \
    --mix "$1" 2> >(while read -r line; do
      [[ "$line" == driving* ]] && { cpu >"$work/cpu0"; analyze; }
      echo "$line" >&2
    done) | tee "$work/out"
  local used=$(( $(cpu) - $(cat "$work/cpu0") )) n
  n=$(awk '$1 == "all" {print $2}' "$work/out")
  echo "server CPU: $(( used * 1000000 / $(getconf CLK_TCK) / n )) µs a request"
}
echo "== GET customer";    run get_customer=1
echo "== create customer"; run create_customer=1
echo "== mixed workload";  run "get_customer=30,search_document=15,get_account=20,list_accounts=10,create_customer=10,create_account=8,patch_payment_method=7"
echo "== server peak resident memory: $(grep VmHWM /proc/$(cat "$work/pid")/status | awk '{print $2/1024 " MB"}')"
