#!/usr/bin/env bash
# A local Spark server for the `spark_thrift` target: one long-lived JVM, as a cluster is,
# instead of a new one for every dbt invocation (the `spark` target's in-process session).
#   eval "$(bash scripts/spark_server.sh start)"   # prints the SPARK_* variables to export
#   bash scripts/spark_server.sh stop              # stops it (its metastore and warehouse stay)
# It runs Spark's Thrift server (HiveThriftServer2: dbt's SQL, method thrift) with the Spark
# Connect plugin in the same JVM (the fit step's DataFrames: applyInPandas), both on free ports
# of 127.0.0.1, from the pyspark wheel (requirements-spark.txt), in local mode with
# SPARK_SERVER_CORES cores (default all). Its metastore and warehouse live in SPARK_LOCAL_DIR
# (default .spark/ of the checkout, as the `spark` target's: the two targets see the same
# tables, but only one of them may hold the metastore at a time); the server's pid, ports and
# log in SPARK_LOCAL_DIR/server. `start` on a running server only prints the variables.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$(realpath -m "${SPARK_LOCAL_DIR:-$ROOT/.spark}")"
RUN="$DIR/server"
PYTHON="${PYSPARK_PYTHON:-$(command -v python)}"

print_env() {
    cat <<VARS
export SPARK_HOST=127.0.0.1
export SPARK_THRIFT_PORT=$(cat "$RUN/thrift_port")
export SPARK_CONNECT_URL=sc://127.0.0.1:$(cat "$RUN/connect_port")
VARS
}

running() {
    [ -f "$RUN/pid" ] && kill -0 "$(cat "$RUN/pid")" 2>/dev/null
}

# shellcheck source=scripts/_ports.sh
source "$ROOT/scripts/_ports.sh"

# Starts the JVM on two fresh ports; waits until *it* listens on both: its log names each port
# as started and both accept a connection (a port accepting alone could be another process's).
# Returns 1 when the JVM stops (e.g. it could not bind a port), 2 when it is not ready in 120 s.
launch() {
    free_port > "$RUN/thrift_port"; free_port > "$RUN/connect_port"
    local tport cport
    tport="$(cat "$RUN/thrift_port")"; cport="$(cat "$RUN/connect_port")"
    # setsid: the server outlives this script and its caller's process group
    setsid "$SPARK_HOME/bin/spark-submit" --master "local[${SPARK_SERVER_CORES:-*}]" --name retention-analytics \
        --class org.apache.spark.sql.hive.thriftserver.HiveThriftServer2 \
        --conf spark.plugins=org.apache.spark.sql.connect.SparkConnectPlugin \
        --conf "spark.connect.grpc.binding.address=127.0.0.1" \
        --conf "spark.connect.grpc.binding.port=$cport" \
        --conf "spark.sql.warehouse.dir=$DIR/warehouse" \
        --conf "spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName=$DIR/metastore_db;create=true" \
        --conf "spark.driver.extraJavaOptions=-Dderby.system.home=$DIR" \
        --conf spark.sql.session.timeZone=UTC --conf spark.sql.shuffle.partitions=4 --conf spark.ui.enabled=false \
        --hiveconf hive.server2.thrift.bind.host=127.0.0.1 \
        --hiveconf "hive.server2.thrift.port=$tport" \
        spark-internal >"$RUN/server.log" 2>&1 < /dev/null &
    echo $! > "$RUN/pid"
    for _ in $(seq 1 240); do
        running || return 1
        if grep -q "SparkConnectService' on port $cport\b" "$RUN/server.log" \
            && grep -q "Starting ThriftBinaryCLIService on port $tport\b" "$RUN/server.log" \
            && "$PYTHON" - "$tport" "$cport" <<'PY' 2>/dev/null; then
import socket, sys
for port in sys.argv[1:]:
    socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
PY
            running && return 0
        fi
        sleep 0.5
    done
    return 2
}

case "${1:-}" in
start)
    if running; then print_env; exit 0; fi
    SPARK_HOME="$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')" \
        || { echo "spark_server.sh: pyspark is not installed (requirements-spark.txt)" >&2; exit 1; }
    export SPARK_HOME SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$PYTHON"
    mkdir -p "$RUN"
    # a port taken between free_port and the JVM's bind stops the JVM: start again on others
    for attempt in 1 2 3; do
        status=0; launch || status=$?
        if [ "$status" = 0 ]; then print_env; exit 0; fi
        running && { kill "$(cat "$RUN/pid")" 2>/dev/null || true; }
        [ "$status" = 2 ] && break
        echo "spark_server.sh: the server stopped (attempt $attempt); the end of its log:" >&2
        tail -20 "$RUN/server.log" >&2
    done
    tail -50 "$RUN/server.log" >&2
    echo "spark_server.sh: the server did not start (log: $RUN/server.log)" >&2; exit 1
    ;;
stop)
    if running; then
        PID="$(cat "$RUN/pid")"
        kill "$PID" 2>/dev/null || true
        for _ in $(seq 1 60); do kill -0 "$PID" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$PID" 2>/dev/null || true
    fi
    rm -f "$RUN/pid"
    ;;
env)
    print_env
    ;;
*)
    echo "usage: bash scripts/spark_server.sh start|stop|env" >&2; exit 2
    ;;
esac
