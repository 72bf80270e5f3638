#!/usr/bin/env bash
# Server benchmarks of issue 4: every server pinned to CPU 0, the load client to CPU 1, and each
# server judged by its own CPU time (utime+stime from /proc/PID/stat) per message or request over
# the load run. One load client for every server: the project's own echo load generator
# (./iobuf load echo), and wrk for HTTP.
#
#   iobuf-bench/run-server-bench.sh [echo|http|all] [seconds] [rounds]
#
# With several rounds every server runs once per round, in turn, so a noisy spell of the machine
# falls on all of them; compare the medians.
#
# Peers: the C liburing echo server (iobuf-bench/src/main/c/echo_server.c), Netty 4.2 epoll and
# io_uring (dev.iobuf.bench.NettyServers). Installs liburing-dev and wrk from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WHAT="${1:-all}"
SECS="${2:-10}"
ROUNDS="${3:-1}"
JAVA="${IOBUF_JAVA:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -n1)/bin/java}"
CP="$ROOT/iobuf-bench/target/iobuf-bench-0.1.0-SNAPSHOT.jar:$ROOT/iobuf-bench/target/lib/*:$ROOT/iobuf-cli/target/iobuf-cli-0.1.0-SNAPSHOT.jar:$ROOT/iobuf-cli/target/lib/*"
JOPTS="--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xms256m -Xmx256m"
TICK=$(getconf CLK_TCK)
OUT="$ROOT/bench-results"
mkdir -p "$OUT"

need() { command -v "$1" >/dev/null 2>&1 || apt-get install -y "$2" >/dev/null; }
need wrk wrk
[ -f /usr/include/liburing.h ] || apt-get install -y liburing-dev >/dev/null
mvn -q -DskipTests package
cc -O2 -Wall -o "$ROOT/iobuf-bench/target/echo_server" "$ROOT/iobuf-bench/src/main/c/echo_server.c" -luring

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2
  return 1
}

# run NAME PORT LOAD-KIND LOAD-ARGS -- SERVER-COMMAND...
run() {
  local name="$1" port="$2" kind="$3" largs="$4"; shift 5
  taskset -c 0 "$@" > "$OUT/server-$name.log" 2>&1 &
  local pid=$!
  wait_port "$port"
  sleep 1
  local before after out count
  if [ "$kind" = echo ]; then
    # warm-up, then the measured run
    taskset -c 1 "$JAVA" $JOPTS -cp "$CP" dev.iobuf.cli.Main load echo --port "$port" $largs --seconds 3 > /dev/null
    before=$(cpu_ticks $pid)
    out=$(taskset -c 1 "$JAVA" $JOPTS -cp "$CP" dev.iobuf.cli.Main load echo --port "$port" $largs --seconds "$SECS")
    after=$(cpu_ticks $pid)
    echo "$out" > "$OUT/load-$name.log"
    # the load generator's result row: conns size seconds messages msg/s MiB/s p50 p99 p99.9 max errors
    local row
    row=$(echo "$out" | awk '/^conns /{getline; print; exit}')
    count=$(echo "$row" | awk '{gsub(",", "", $4); print $4}')
    p99=$(echo "$row" | awk '{print $9 $10}')
    errors=$(echo "$row" | awk '{print $15}')
  else
    taskset -c 1 wrk -t1 -c64 -d3s "http://127.0.0.1:$port/" > /dev/null
    before=$(cpu_ticks $pid)
    out=$(taskset -c 1 wrk -t1 -c64 -d"${SECS}s" --latency "http://127.0.0.1:$port/")
    after=$(cpu_ticks $pid)
    echo "$out" > "$OUT/load-$name.log"
    count=$(echo "$out" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
    errors=$(echo "$out" | sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p'); errors=${errors:-0}
    p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  fi
  kill -TERM $pid; wait $pid 2>/dev/null || true
  local cpu_us=$(( (after - before) * 1000000 / TICK ))
  awk -v n="$name" -v c="$count" -v u="$cpu_us" -v s="$SECS" -v e="${errors:-?}" -v p="${p99:-?}" \
    'BEGIN { printf "%-22s %12d msgs %10.0f msg/s %8.2f us CPU/msg  p99 %-8s errors %s\n", n, c, c/s, (c>0? u/c : 0), p, e }' \
    | tee -a "$OUT/server-summary.txt"
}

JSERVER=("$JAVA" $JOPTS -cp "$CP")
echo "# $(date -u +%FT%TZ) $SECS s per run" >> "$OUT/server-summary.txt"
for round in $(seq 1 "$ROUNDS"); do
[ "$ROUNDS" -gt 1 ] && echo "# round $round of $ROUNDS" | tee -a "$OUT/server-summary.txt"
if [ "$WHAT" = echo ] || [ "$WHAT" = all ]; then
  for shape in "64 512" "1000 128"; do
    set -- $shape
    L="--conns $1 --size $2"
    run "echo-iobuf-$1x$2"       7101 echo "$L" -- "${JSERVER[@]}" dev.iobuf.cli.Main serve echo --port 7101
    run "echo-c-liburing-$1x$2"  7102 echo "$L" -- "$ROOT/iobuf-bench/target/echo_server" 7102
    run "echo-netty-epoll-$1x$2" 7103 echo "$L" -- "${JSERVER[@]}" dev.iobuf.bench.NettyServers echo epoll 7103
    run "echo-netty-uring-$1x$2" 7104 echo "$L" -- "${JSERVER[@]}" dev.iobuf.bench.NettyServers echo io_uring 7104
  done
fi
if [ "$WHAT" = http ] || [ "$WHAT" = all ]; then
  run "http-iobuf"       7201 http "" -- "${JSERVER[@]}" dev.iobuf.cli.Main serve http --port 7201
  run "http-iobuf-vthreads" 7204 http "" -- "${JSERVER[@]}" dev.iobuf.cli.Main serve http --port 7204 --style virtual-threads
  run "http-netty-epoll" 7202 http "" -- "${JSERVER[@]}" dev.iobuf.bench.NettyServers http epoll 7202
  run "http-netty-uring" 7203 http "" -- "${JSERVER[@]}" dev.iobuf.bench.NettyServers http io_uring 7203
fi
done
