#!/usr/bin/env bash
# A/B of two builds of iobuf on this machine, alternating, for "must not regress" checks of a change:
# this checkout (B, "new") against another checkout of the project (A, "old", e.g. a git worktree
# of the commit before the change). Both are built with mvn -DskipTests package if needed.
#
#   iobuf-bench/run-ab.sh OLD_CHECKOUT [rounds] [seconds]
#
# Per round, in turn (the order flips every round, so a noisy spell falls on both):
#   echo      iobuf's echo server (64 connections x 512 B, ./iobuf load echo), server CPU per message
#   http      iobuf's HTTP server, callbacks, wrk -t1 -c64, server CPU per request
#   http-vt   the same, one virtual thread per connection
#   pool      JMH PoolBench.iobufBufferPool and iobufBoundedPool, 1 thread, ops/us
#   alloc     JMH AllocBench.buddyPool and slabPool, 1 thread, ops/us
# AB_KINDS (e.g. "echo http") runs only some of them.
# Servers are pinned to CPU 0 and the load to CPU 1. Results: bench-results/ab-summary.txt; take
# the medians of the rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
NEW=$(pwd)
OLD=$(cd "${1:?usage: run-ab.sh OLD_CHECKOUT [rounds] [seconds]}" && pwd)
ROUNDS="${2:-3}"
SECS="${3:-8}"
JAVA="${IOBUF_JAVA:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -n1)/bin/java}"
JOPTS="--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xms256m -Xmx256m"
TICK=$(getconf CLK_TCK)
OUT="$NEW/bench-results"
mkdir -p "$OUT"
command -v wrk >/dev/null 2>&1 || apt-get install -y wrk >/dev/null

for d in "$OLD" "$NEW"; do
  [ -f "$d/iobuf-cli/target/iobuf-cli-0.1.0-SNAPSHOT.jar" ] && [ -f "$d/iobuf-bench/target/iobuf-bench-0.1.0-SNAPSHOT.jar" ] \
    || (cd "$d" && mvn -q -DskipTests package)
done
cp_of() { echo "$1/iobuf-bench/target/iobuf-bench-0.1.0-SNAPSHOT.jar:$1/iobuf-bench/target/lib/*:$1/iobuf-cli/target/iobuf-cli-0.1.0-SNAPSHOT.jar:$1/iobuf-cli/target/lib/*"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
wait_port() {
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "server on port $1 did not start" >&2; return 1
}

# server LABEL DIR KIND PORT SERVER-ARGS...: prints "LABEL KIND us-CPU-per-message"
server() {
  local label="$1" dir="$2" kind="$3" port="$4"; shift 4
  local cp; cp=$(cp_of "$dir")
  taskset -c 0 "$JAVA" $JOPTS -cp "$cp" dev.iobuf.cli.Main serve "$@" --port "$port" > "$OUT/ab-server.log" 2>&1 &
  local pid=$! before after count
  wait_port "$port"; sleep 1
  if [ "$kind" = echo ]; then
    taskset -c 1 "$JAVA" $JOPTS -cp "$(cp_of "$NEW")" dev.iobuf.cli.Main load echo --port "$port" --conns 64 --size 512 --seconds 3 > /dev/null
    before=$(cpu_ticks $pid)
    out=$(taskset -c 1 "$JAVA" $JOPTS -cp "$(cp_of "$NEW")" dev.iobuf.cli.Main load echo --port "$port" --conns 64 --size 512 --seconds "$SECS")
    after=$(cpu_ticks $pid)
    count=$(echo "$out" | awk '/^conns /{getline; gsub(",", "", $4); print $4; exit}')
  else
    taskset -c 1 wrk -t1 -c64 -d3s "http://127.0.0.1:$port/" > /dev/null
    before=$(cpu_ticks $pid)
    out=$(taskset -c 1 wrk -t1 -c64 -d"${SECS}s" "http://127.0.0.1:$port/")
    after=$(cpu_ticks $pid)
    count=$(echo "$out" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
  fi
  kill -TERM $pid; wait $pid 2>/dev/null || true
  awk -v l="$label" -v k="$kind" -v c="$count" -v u="$(( (after - before) * 1000000 / TICK ))" \
    'BEGIN { printf "%-4s %-8s %8.2f us CPU/msg (%d msgs)\n", l, k, (c > 0 ? u / c : 0), c }'
}

jmh() { # jmh LABEL DIR BENCH-REGEX
  local label="$1" dir="$2" regex="$3"
  taskset -c 0 "$JAVA" -cp "$(cp_of "$dir")" org.openjdk.jmh.Main "$regex" -t 1 -f 1 -wi 3 -i 5 -w 1 -r 1 -rf csv -rff "$OUT/ab-jmh.csv" > /dev/null
  awk -F, -v l="$label" 'NR > 1 { gsub(/"/, "", $1); n = split($1, p, "."); printf "%-4s %-32s %8.2f ops/us\n", l, p[n], $5 }' "$OUT/ab-jmh.csv"
}

KINDS=" ${AB_KINDS:-echo http http-vt pool alloc} "   # AB_KINDS="echo http": only those
one() { # one LABEL DIR
  case "$KINDS" in *" echo "*) server "$1" "$2" echo 7301 echo ;; esac
  case "$KINDS" in *" http "*) server "$1" "$2" http 7302 http ;; esac
  case "$KINDS" in *" http-vt "*) server "$1" "$2" http-vt 7303 http --style virtual-threads ;; esac
  case "$KINDS" in *" pool "*) jmh "$1" "$2" 'PoolBench.iobuf(BufferPool|BoundedPool)$' ;; esac
  case "$KINDS" in *" alloc "*) jmh "$1" "$2" 'AllocBench.(buddyPool|slabPool)$' ;; esac
}

echo "# $(date -u +%FT%TZ) A=$OLD B=$NEW, $ROUNDS rounds, $SECS s per server run" | tee -a "$OUT/ab-summary.txt"
for r in $(seq 1 "$ROUNDS"); do
  echo "# round $r" | tee -a "$OUT/ab-summary.txt"
  if [ $((r % 2)) -eq 1 ]; then one A "$OLD"; one B "$NEW"; else one B "$NEW"; one A "$OLD"; fi | tee -a "$OUT/ab-summary.txt"
done
