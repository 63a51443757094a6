#!/usr/bin/env bash
# paired.sh: a paired before/after run of one crmload mix, as
# docs/duplicates.md reports it.
#
#   scripts/paired.sh ENGINE CRMD_A CRMD_B CRMLOAD [ROUNDS]
#
# ENGINE is sqlite or postgres (DSN in PG_DSN, default the local server).
# Each round runs A, B, B, A, each server on a fresh database (a new
# SQLite file, or a new PostgreSQL schema), driven by the SAME crmload
# binary for DURATION (15s) at 32 connections after seeding SEED (1000)
# customers, with MIX (create_customer=1). It prints one line per run
# (side, per-second of the whole mix, server CPU per request, the load
# average) and the median per second of each side and their ratio B/A.
set -euo pipefail
engine=$1 a=$2 b=$3 load=$4 rounds=${5:-2}
duration=${DURATION:-15s} seed=${SEED:-1000} mix=${MIX:-create_customer=1}
base=${PG_DSN:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
work=$(mktemp -d)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
export CRM_KEK="${CRM_KEK:-$(head -c 32 /dev/urandom | base64)}"

# one runs the server $2 on a fresh database and drives it; prints a line.
one() {
  local side=$1 bin=$2 dsn schema="" key
  case "$engine" in
    sqlite) rm -rf "$work/data"; mkdir -p "$work/data"; dsn="sqlite:$work/data/crm.db" ;;
    postgres)
      schema="paired_$(date +%s%N)"
      psql "$base" -qc "CREATE SCHEMA $schema"
      sep='?'; [[ "$base" == *\?* ]] && sep='&'
      dsn="$base${sep}search_path=$schema" ;;
  esac
  key=$("$bin" keys create --org telco --roles admin --database-url "$dsn" 2>/dev/null | tail -n1)
  CRM_DATABASE_URL="$dsn" CRM_LOG_LEVEL=warn "$bin" serve --addr 127.0.0.1:18283 >"$work/server.log" 2>&1 &
  echo $! >"$work/pid"
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18283/readyz >/dev/null && break; sleep 0.2; done
  local pid cpu0 cpu1
  pid=$(cat "$work/pid")
  "$load" --url http://127.0.0.1:18283 --key "$key" --duration "$duration" --concurrency 32 --seed "$seed" \
    --mix "$mix" --json "$work/out.json" 2> >(while read -r line; do
      if [[ "$line" == driving* ]]; then
        awk '{print $14 + $15}' "/proc/$pid/stat" >"$work/cpu0"
        # The seeded tables' statistics, as a database that has run for a
        # minute has them (autovacuum's first pass): plans made on the
        # empty schema's read an org's every row where an index finds one.
        [[ -z "$schema" ]] || psql "$base" -qc "SET search_path = $schema; ANALYZE" >/dev/null
      fi
    done) >/dev/null
  cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  sleep 0.2; cpu0=$(cat "$work/cpu0")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  [[ -n "$schema" ]] && psql "$base" -qc "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE"
  local n ps errors
  read -r n ps errors < <(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["total"]; print(t["count"], round(t["per_second"]), t["errors"])' "$work/out.json")
  echo "$side $ps/s $(( (cpu1 - cpu0) * 1000000 / $(getconf CLK_TCK) / n ))µs/req errors=$errors load=$(cut -d' ' -f1-3 /proc/loadavg)"
}

for r in $(seq 1 "$rounds"); do
  for side in A B B A; do
    bin=$a; [[ $side == B ]] && bin=$b
    one "$side" "$bin" | tee -a "$work/lines"
  done
done
python3 - "$work/lines" <<'PY'
import statistics, sys
side = {"A": [], "B": []}
for line in open(sys.argv[1]):
    f = line.split()
    side[f[0]].append(float(f[1].rstrip("/s")))
a, b = statistics.median(side["A"]), statistics.median(side["B"])
print(f"median A {a:.0f}/s, B {b:.0f}/s, B/A {b / a:.3f}")
PY
