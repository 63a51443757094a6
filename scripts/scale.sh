#!/usr/bin/env bash
# scale.sh: the same load on a small and a large PostgreSQL database, in
# turns, as docs/performance.md ("Ten million customers") reports it.
#
#   scripts/scale.sh SMALL_DSN LARGE_DSN [ROUNDS]
#
# Both databases hold org telco, filled by "crmd import" (for example
# --generate 10000 and --generate 10000000). For each operation of MIXES,
# each round runs small, large, large, small: crmd serve on that database,
# crmload for DURATION (20s) at 32 connections, its reads aimed at TARGETS
# (10,000) customers drawn at random from the whole database (crmload
# --targets), so that a large database is read across, not only where the
# last writes went, and both sides read as many distinct customers; crmd runs with the key-encryption key of the environment,
# the one the databases were filled with. Then GET customer at half of each side's median peak
# (crmload --rate), for its p99. It prints one line per run and, per mix,
# the medians and their ratio large/small. The databases keep what the
# runs create.
set -euo pipefail
if [[ -z "${CRM_KEK:-}${CRM_KEK_FILE:-}" ]]; then
  echo "set CRM_KEK or CRM_KEK_FILE: the key-encryption key of the database(s), the same on every run" >&2
  exit 2
fi
small=$1 large=$2 rounds=${3:-2}
duration=${DURATION:-20s}
mixes=${MIXES:-get_customer=1 create_customer=1 search_document=1 default}
crmd=${CRMD:-} load=${CRMLOAD:-}
work=$(mktemp -d)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
if [[ -z "$crmd" || -z "$load" ]]; then
  (cd "$(dirname "$0")/.." && go build -o "$work/crmd" ./cmd/crmd && go build -o "$work/crmload" ./cmd/crmload)
  crmd=$work/crmd load=$work/crmload
fi

for side in small large; do
  dsn=${!side}
  "$(dirname "$0")/targets.sh" "$dsn" "${TARGETS:-10000}" >"$work/$side.targets"
  "$crmd" keys create --org telco --roles admin --database-url "$dsn" | tail -n1 >"$work/$side.key"
  echo "$side: $(psql "$dsn" -qAtc "SELECT count(*) FROM customers") customers," \
    "$(psql "$dsn" -qAtc "SELECT pg_size_pretty(pg_database_size(current_database()))"), $(wc -l <"$work/$side.targets") targets"
done

# one runs crmd on side $1's database and crmload with mix $2 (and rate
# $3); prints "side per_second p50 p99 errors".
one() {
  local side=$1 mix=$2 rate=${3:-0} dsn=${!1}
  CRM_DATABASE_URL="$dsn" CRM_LOG_LEVEL=warn "$crmd" serve --addr 127.0.0.1:18284 >"$work/server.log" 2>&1 &
  echo $! >"$work/pid"
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18284/readyz >/dev/null && break; sleep 0.2; done
  local args=(--url http://127.0.0.1:18284 --key "$(cat "$work/$side.key")" --duration "$duration"
    --concurrency 32 --seed 32 --targets "$work/$side.targets" --rate "$rate" --json "$work/out.json")
  [[ "$mix" == default ]] || args+=(--mix "$mix")
  "$load" "${args[@]}" >/dev/null 2>"$work/load.err" || { cat "$work/load.err" "$work/server.log" >&2; exit 1; }
  kill "$(cat "$work/pid")"; wait "$(cat "$work/pid")" 2>/dev/null || true
  python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["total"]; print(sys.argv[2], round(t["per_second"]), t["p50_ms"], t["p99_ms"], t["errors"])' \
    "$work/out.json" "$side"
}

# median prints the median of column $2 of side $1's lines in file $3.
median() { awk -v s="$1" -v c="$2" '$1 == s {print $c}' "$3" | sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

# A run of the default mix on each side first, not counted: it brings the
# targets' pages into the cache, or the large side's first runs measure
# the disk (a cold first round was 0.6-0.7 of the next).
one small default >/dev/null
one large default >/dev/null

for mix in $mixes; do
  : >"$work/lines"
  for _ in $(seq 1 "$rounds"); do
    for side in small large large small; do
      one "$side" "$mix" | tee -a "$work/lines" | sed "s/^/$mix /"
    done
  done
  s=$(median small 2 "$work/lines") l=$(median large 2 "$work/lines")
  echo "$mix: median small $s/s p99 $(median small 4 "$work/lines") ms, large $l/s p99 $(median large 4 "$work/lines") ms, large/small $(python3 -c "print(round($l / $s, 3))")"
  [[ "$mix" == get_customer=1 ]] && echo "$s $l" >"$work/getpeak"
done

if [[ -f "$work/getpeak" ]]; then
  read -r s l <"$work/getpeak"
  : >"$work/lines"
  for _ in $(seq 1 "$rounds"); do
    for side in small large large small; do
      rate=$s; [[ $side == large ]] && rate=$l
      one "$side" get_customer=1 "$(awk -v r="$rate" 'BEGIN { printf "%d", r / 2 }')" | tee -a "$work/lines" | sed "s/^/half-peak /"
    done
  done
  echo "GET customer at half peak: p99 small $(median small 4 "$work/lines") ms, large $(median large 4 "$work/lines") ms"
fi
