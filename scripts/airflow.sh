#!/usr/bin/env bash
# Local Airflow for Aftershock: `scripts/airflow.sh start|stop|init`. The Makefile calls this.
# AIRFLOW_HOME lives inside the project (airflow_home/, git-ignored); `airflow standalone` runs in
# its own process group so `stop` can end the scheduler, api-server, dag-processor, triggerer and
# every task worker it forked (a plain SIGTERM to standalone leaves workers behind).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.venv/bin"
# standalone starts its components by running `airflow` from PATH.
export PATH="$BIN:$PATH"
export AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/airflow_home}"
export AFTERSHOCK_DATA_DIR="${AFTERSHOCK_DATA_DIR:-$ROOT/data}"
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="${AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL:-30}"
export AIRFLOW__API__HOST="${AIRFLOW__API__HOST:-127.0.0.1}"
export AIRFLOW__API__PORT="${AIRFLOW__API__PORT:-8080}"
# Task workers reach the API server's execution API; its default URL assumes port 8080.
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://$AIRFLOW__API__HOST:$AIRFLOW__API__PORT/execution/"
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=True
# The transform DAG's first parse in a data directory without a dbt manifest runs `dbt parse` (5-10 s,
# over 30 s on a loaded machine): Airflow's default 30 s import timeout would drop the DAG.
export AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT="${AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT:-120}"
# No usage metrics leave the machine (Airflow's and astronomer-cosmos's).
export AIRFLOW__USAGE_DATA_COLLECTION__ENABLED=False AIRFLOW__COSMOS__ENABLE_TELEMETRY=False
# The Airflow UI's Aftershock menu (plugins/).
export AIRFLOW__CORE__PLUGINS_FOLDER="$ROOT/plugins"
export DO_NOT_TRACK=1 SCARF_NO_ANALYTICS=true
# Which DAGs `start` unpauses (an awk regex on the DAG id); the end-to-end test unpauses only the transform.
UNPAUSE="${AFTERSHOCK_UNPAUSE:-^aftershock_}"
PIDFILE="$AIRFLOW_HOME/standalone.pid"
LOG="$AIRFLOW_HOME/standalone.log"
PASSFILE="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
URL="http://$AIRFLOW__API__HOST:$AIRFLOW__API__PORT"

# Migrate the metadata DB and write the manifest (model mode); `start` then makes the pool through the REST API.
init() {
    mkdir -p "$AIRFLOW_HOME" "$AFTERSHOCK_DATA_DIR"
    "$BIN/airflow" db migrate >"$AIRFLOW_HOME/migrate.log" 2>&1 || { tail -20 "$AIRFLOW_HOME/migrate.log"; exit 1; }
    # The transform DAG renders one task per dbt node from this manifest (fast re-parses).
    "$BIN/python" -c "from aftershock.orchestration import refresh_manifest_for_dags; print(refresh_manifest_for_dags())"
}

# The REST API's JSON, read with the venv's Python (no Airflow import).
json_field() { "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
dag_ids() { "$BIN/python" -c 'import json, sys; print("\n".join(d["dag_id"] for d in json.load(sys.stdin)["dags"]))'; }

running() { [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

start() {
    if running; then echo "Airflow already running (pid $(cat "$PIDFILE")) at $URL"; exit 0; fi
    init
    setsid "$BIN/airflow" standalone >"$LOG" 2>&1 < /dev/null &
    echo $! >"$PIDFILE"
    echo "waiting for $URL/api/v2/monitor/health (log: $LOG)"
    for _ in $(seq 1 120); do
        if curl -fsS "$URL/api/v2/monitor/health" >/dev/null 2>&1; then break; fi
        if ! running; then echo "airflow standalone exited; last lines of $LOG:"; tail -30 "$LOG"; exit 1; fi
        sleep 2
    done
    curl -fsS "$URL/api/v2/monitor/health" >/dev/null || { echo "no health after 240 s; see $LOG"; exit 1; }
    # DAGs are created paused; unpause ours once the DAG processor has registered them. Through the
    # REST API: each `airflow dags ...` command imports Airflow (3 to 4 CPU s), and this step took seven.
    local password token dags=""
    [[ -f "$PASSFILE" ]] || { echo "no $PASSFILE: the API server writes the admin password there"; exit 1; }
    password="$(json_field admin <"$PASSFILE")"
    token="$(curl -fsS -X POST "$URL/auth/token" -H 'Content-Type: application/json' \
        -d "{\"username\": \"admin\", \"password\": \"$password\"}" | json_field access_token 2>/dev/null)" ||
        { echo "no API token from $URL/auth/token for admin (password from $PASSFILE); DAGs left paused"; exit 1; }
    # The warehouse writers' one-slot pool, before any DAG is unpaused (an `airflow pools set` would
    # import Airflow: 3 CPU s). POST makes it; on a restart it exists, and PATCH sets it again.
    local pool='{"name": "aftershock_warehouse", "slots": 1, "description": "DuckDB has one writer: every warehouse-writing task"}'
    curl -fsS -X POST "$URL/api/v2/pools" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "$pool" >/dev/null 2>&1 ||
        curl -fsS -X PATCH "$URL/api/v2/pools/aftershock_warehouse" -H "Authorization: Bearer $token" \
            -H 'Content-Type: application/json' -d "$pool" >/dev/null ||
        { echo "could not create the pool aftershock_warehouse through $URL/api/v2/pools; DAGs left paused"; exit 1; }
    for _ in $(seq 1 60); do
        dags="$(curl -fsS "$URL/api/v2/dags?limit=100" -H "Authorization: Bearer $token" | dag_ids 2>/dev/null)" || true
        if grep -qx aftershock_transform <<<"$dags"; then break; fi
        sleep 2
    done
    # The transform first: an ingest run lands its batch within seconds, and the Asset event of a
    # batch that lands while the transform is paused starts no run (the first start would never build).
    for dag in $(awk -v re="$UNPAUSE" '$1 ~ re {print $1}' <<<"$dags" | sort -r); do
        curl -fsS -X PATCH "$URL/api/v2/dags/$dag" -H "Authorization: Bearer $token" \
            -H 'Content-Type: application/json' -d '{"is_paused": false}' >/dev/null && echo "unpaused $dag"
    done
    echo
    echo "Airflow UI: $URL   (source mode: ${AFTERSHOCK_SOURCE_MODE:-live})"
    echo "login: admin / $password"
    echo "stop:  make airflow-stop"
}

stop() {
    if ! [[ -f "$PIDFILE" ]]; then echo "Airflow is not running (no $PIDFILE)"; return 0; fi
    local pgid
    pgid="$(cat "$PIDFILE")"
    # setsid made standalone the leader of its own group: its pid is the group id.
    if kill -TERM -- "-$pgid" 2>/dev/null; then
        # Wait while a live member remains: `kill -0` would also count zombies, which a container's
        # PID 1 that never reaps leaves in the group, and wait the whole 30 s for nothing.
        for _ in $(seq 1 30); do
            ps -eo pgid=,stat= | awk -v g="$pgid" '$1 == g && $2 !~ /^Z/ {found = 1} END {exit !found}' || break
            sleep 1
        done
        kill -KILL -- "-$pgid" 2>/dev/null || true
        echo "stopped Airflow (process group $pgid)"
    fi
    rm -f "$PIDFILE"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    init) init ;;
    *) echo "usage: $0 start|stop|init" >&2; exit 2 ;;
esac
