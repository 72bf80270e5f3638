#!/usr/bin/env bash
# Echo comparison: server CPU time per message, iobuf's io_uring echo server against a C liburing
# echo server (liburing_echo.c), server pinned to one core and the load generator to another.
# CPU time comes from /proc/PID/stat (utime + stime of the whole server process), measured over
# the timed run only (after a warm-up run). Ratios matter, not absolute numbers.
#
# usage: iobuf-cli/bench/echo-bench.sh [seconds]     (from anywhere; needs gcc, liburing-dev, taskset)
# Netty peers are not here: they need the Netty transport modules in iobuf-bench.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SECONDS_RUN="${1:-5}"
WARMUP=2
SERVER_CPU=0
CLIENT_CPU=1
[ "$(nproc)" -ge 2 ] || { echo "echo-bench: needs 2 cores to pin server and client apart" >&2; exit 2; }
command -v gcc >/dev/null && [ -f /usr/include/liburing.h ] || { echo "echo-bench: needs gcc and liburing-dev" >&2; exit 2; }
mkdir -p "$ROOT/iobuf-cli/target"
C_BIN="$ROOT/iobuf-cli/target/liburing_echo"
gcc -O2 -o "$C_BIN" "$HERE/liburing_echo.c" -luring
"$ROOT/iobuf" help >/dev/null # builds on first use
TCK=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

wait_port() {
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "echo-bench: nothing listens on port $1" >&2; return 1
}

# run_load PORT CONNS SIZE SECONDS -> prints the number of messages
run_load() {
  taskset -c "$CLIENT_CPU" "$ROOT/iobuf" load echo --port "$1" --conns "$2" --size "$3" --seconds "$4" \
    | awk '/^conns/ {getline; gsub(",", "", $4); print $4; exit}'
}

# measure NAME PORT CONNS SIZE -> one table row
measure() {
  local name=$1 port=$2 conns=$3 size=$4 pid=$5
  run_load "$port" "$conns" "$size" "$WARMUP" >/dev/null
  local t0 m t1
  t0=$(cpu_ticks "$pid")
  m=$(run_load "$port" "$conns" "$size" "$SECONDS_RUN")
  t1=$(cpu_ticks "$pid")
  awk -v n="$name" -v c="$conns" -v s="$size" -v m="$m" -v d=$((t1 - t0)) -v tck="$TCK" -v secs="$SECONDS_RUN" \
    'BEGIN { us = m > 0 ? d / tck * 1e6 / m : 0; printf "%-16s %6d %6d %12d %10.0f %14.2f\n", n, c, s, m, m / secs, us }'
}

start_server() { # NAME PORT -> pid
  case "$1" in
    iobuf) taskset -c "$SERVER_CPU" "$ROOT/iobuf" serve echo --port "$2" --loops 1 >/dev/null 2>&1 & ;;
    liburing) taskset -c "$SERVER_CPU" "$C_BIN" "$2" >/dev/null 2>&1 & ;;
  esac
  local launcher=$!
  wait_port "$2"
  # the iobuf launcher execs java, so the pid is the JVM's
  echo "$launcher"
}

printf "%-16s %6s %6s %12s %10s %14s\n" server conns size messages msg/s "cpu us/msg"
PORT=7300
for scenario in "64 512" "1000 128"; do
  set -- $scenario
  for server in liburing iobuf; do
    PORT=$((PORT + 1))
    pid=$(start_server "$server" "$PORT")
    measure "$server" "$PORT" "$1" "$2" "$pid"
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
done
