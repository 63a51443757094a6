#!/usr/bin/env bash
# A cluster on one machine: three `crmd serve` instances on one PostgreSQL
# database, a three-node NATS JetStream cluster holding the events stream
# with three replicas, and HAProxy in front, health-checked on /readyz; all
# on 127.0.0.1.
#
#   scripts/cluster.sh start    # build crmd, start what is not running (again: restarts the dead)
#   scripts/cluster.sh status   # each process, its pid, alive or not; /readyz and relay lease of each crmd
#   scripts/cluster.sh stop     # SIGTERM by pid file, instances before NATS; SIGKILL after 10 s
#   scripts/cluster.sh clean    # stop, drop the database and delete the run directory
#
# Settings (environment; defaults in brackets):
#   CRM_CLUSTER_DIR      run directory: pid files, logs, configs, NATS data, keys [./run/cluster]
#   CRM_CLUSTER_PORT     first of the ports used [19100]: the load balancer on it, crmd i on +i,
#                        NATS node i clients on +10+i, routes on +20+i, monitoring on +30+i (i = 1..3)
#   CRM_CLUSTER_PG       a PostgreSQL URL with the right to create databases
#                        [postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable]
#   CRM_CLUSTER_DB       the cluster's database on that server, created if missing [crm_cluster]
#   CRM_CLUSTER_BIN      a crmd binary to run instead of building one from this checkout
# Other CRM_* variables (CRM_RELAY_LEASE, CRM_WEBHOOK_LEASE, ...) reach the instances unchanged.
#
# The instances share what each must (docs/operations.md): the database, the key-encryption key and
# the URL signing key (generated into the run directory on the first start, mode 600), the public URL
# (the load balancer's) and, until documents live in the database, the document directory. Webhooks
# may reach loopback (CRM_WEBHOOK_ALLOW_PRIVATE=true): receivers run on this machine too.
# Needs nats-server, haproxy (Debian: apt-get install nats-server haproxy), psql, openssl, curl, go.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${CRM_CLUSTER_DIR:-$PWD/run/cluster}
base=${CRM_CLUSTER_PORT:-19100}
pg=${CRM_CLUSTER_PG:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
db=${CRM_CLUSTER_DB:-crm_cluster}
bin=${CRM_CLUSTER_BIN:-}
# crmd warns of CRM_* variables it does not read: these are the script's.
unset CRM_CLUSTER_DIR CRM_CLUSTER_PORT CRM_CLUSTER_PG CRM_CLUSTER_DB CRM_CLUSTER_BIN
nodes=(1 2 3)

# dsn is the cluster database's URL: the admin URL with its database replaced.
pgbase=${pg%%\?*}
query=""
[[ $pg == *\?* ]] && query="?${pg#*\?}"
dsn="${pgbase%/*}/$db$query"
natsurls=$(printf 'nats://127.0.0.1:%d,' $((base + 11)) $((base + 12)) $((base + 13)))
natsurls=${natsurls%,}

# alive NAME: its process runs (a zombie no init reaped yet counts as dead).
alive() { [[ -f $dir/$1.pid ]] && pidalive "$(cat "$dir/$1.pid")"; }
pidalive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $state != Z* ]]
}

waitport() { # waitport PORT SECONDS
  for _ in $(seq 1 $(($2 * 10))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1 after $2 s" >&2
  return 1
}

# launch NAME CMD...: starts CMD in the background, logging to NAME.log, pid in NAME.pid.
launch() {
  local name=$1
  shift
  nohup "$@" >>"$dir/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
  echo "started $name (pid $!)"
}

natsconf() { # natsconf I: the configuration of NATS node I
  local i=$1
  cat <<EOF
server_name: n$i
listen: 127.0.0.1:$((base + 10 + i))
http: 127.0.0.1:$((base + 30 + i))
jetstream { store_dir: "$dir/nats$i" }
cluster {
  name: crm
  listen: 127.0.0.1:$((base + 20 + i))
  routes: [nats-route://127.0.0.1:$((base + 21)), nats-route://127.0.0.1:$((base + 22)), nats-route://127.0.0.1:$((base + 23))]
}
EOF
}

haproxyconf() {
  cat <<EOF
global
  maxconn 4096
defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  timeout http-request 10s
  # Only a connection that failed is retried (HAProxy's default retry-on): a request an
  # instance received may have been committed, and a POST must not run twice.
  retries 2
  option redispatch
frontend crm
  bind 127.0.0.1:$base
  default_backend crmd
backend crmd
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 500ms fall 2 rise 2
EOF
  for i in "${nodes[@]}"; do echo "  server crmd$i 127.0.0.1:$((base + i)) check"; done
}

start() {
  export PATH=$PATH:/usr/sbin # Debian's nats-server and haproxy
  for tool in nats-server haproxy psql openssl curl; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (Debian: apt-get install $tool)" >&2; exit 1; }
  done
  if [[ -z $bin ]]; then
    bin=$dir/crmd
    go build -o "$bin" ./cmd/crmd
  fi
  umask 077
  [[ -f $dir/kek ]] || openssl rand -base64 32 >"$dir/kek"
  [[ -f $dir/url-signing-key ]] || openssl rand -base64 48 | tr -d '\n' >"$dir/url-signing-key"
  # For the CLI on the cluster's database (keys, clients, import): . $dir/env
  printf 'CRM_DATABASE_URL=%q\nCRM_KEK_FILE=%q\n' "$dsn" "$dir/kek" >"$dir/env"
  umask 022
  if [[ $(psql "$pg" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'") != 1 ]]; then
    psql "$pg" -qc "CREATE DATABASE \"$db\"" && echo "created database $db"
  fi

  for i in "${nodes[@]}"; do
    alive "nats$i" && continue
    natsconf "$i" >"$dir/nats$i.conf"
    launch "nats$i" nats-server -c "$dir/nats$i.conf"
  done
  for i in "${nodes[@]}"; do waitport $((base + 10 + i)) 20; done

  unset CRM_KEK # the run directory's key file is the cluster's key
  CRM_URL_SIGNING_KEY=$(cat "$dir/url-signing-key")
  export CRM_DATABASE_URL=$dsn CRM_KEK_FILE=$dir/kek CRM_URL_SIGNING_KEY
  export CRM_PUBLIC_URL=http://127.0.0.1:$base CRM_BLOB_STORE=database
  export CRM_NATS_URL=$natsurls CRM_NATS_REPLICAS=3
  export CRM_WEBHOOK_ALLOW_PRIVATE=${CRM_WEBHOOK_ALLOW_PRIVATE:-true}
  # Three instances and the others on one PostgreSQL: small pools.
  export CRM_DB_MAX_CONNS=${CRM_DB_MAX_CONNS:-12} CRM_DB_MIN_CONNS=${CRM_DB_MIN_CONNS:-2}
  for i in "${nodes[@]}"; do
    alive "crmd$i" && continue
    CRM_ADDR=127.0.0.1:$((base + i)) launch "crmd$i" "$bin" serve
    # One at a time: the first applies the migrations, the others find them done.
    for _ in $(seq 1 600); do
      curl -sf -o /dev/null "http://127.0.0.1:$((base + i))/readyz" && break
      alive "crmd$i" || { tail -n 20 "$dir/crmd$i.log" >&2; echo "crmd$i died" >&2; exit 1; }
      sleep 0.1
    done
  done

  if ! alive haproxy; then
    haproxyconf >"$dir/haproxy.cfg"
    launch haproxy haproxy -db -f "$dir/haproxy.cfg"
  fi
  waitport "$base" 10
  # The database URL is not printed: it may hold a password.
  echo "cluster up: http://127.0.0.1:$base (database $db); an admin key: (set -a; . $dir/env; $bin keys create --org telco --roles admin)"
}

# stopgroup NAME...: SIGTERM each, wait for all, SIGKILL what is left after 10 s.
stopgroup() {
  local pids=() names=()
  for name in "$@"; do
    if alive "$name"; then
      pids+=("$(cat "$dir/$name.pid")")
      names+=("$name")
      kill -TERM "${pids[-1]}"
    fi
    rm -f "$dir/$name.pid"
  done
  for k in "${!pids[@]}"; do
    for _ in $(seq 1 100); do pidalive "${pids[$k]}" || break; sleep 0.1; done
    if pidalive "${pids[$k]}"; then
      echo "${names[$k]} (pid ${pids[$k]}) still up after 10 s: SIGKILL" >&2
      kill -KILL "${pids[$k]}"
    fi
    echo "stopped ${names[$k]} (pid ${pids[$k]})"
  done
}

# stop takes the instances down before NATS, so their relays end cleanly.
stop() {
  stopgroup haproxy crmd1 crmd2 crmd3
  stopgroup nats1 nats2 nats3
}

status() {
  local down=0
  for name in nats1 nats2 nats3 crmd1 crmd2 crmd3 haproxy; do
    local pid=-
    [[ -f $dir/$name.pid ]] && pid=$(cat "$dir/$name.pid")
    local state=down extra=""
    if alive "$name"; then state=up; else down=1; fi
    if [[ $name == crmd* && $state == up ]]; then
      local port=$((base + ${name#crmd}))
      extra=" readyz=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")"
      curl -s "http://127.0.0.1:$port/metrics" | grep -q '^crm_relay_leader{relay="nats"} 1' && extra+=" relay-leader"
    fi
    printf '%-8s pid %-8s %s%s\n' "$name" "$pid" "$state" "$extra"
  done
  return $down
}

case ${1:-} in
start) start ;;
stop) stop ;;
status) status ;;
clean)
  stop
  psql "$pg" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
  rm -rf "$dir"
  ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 2
  ;;
esac
