#!/usr/bin/env bash
# Pool acquire+release against its peers at 1, 2 and 4 threads, with the GC profiler (bytes/op).
# Usage: iobuf-bench/run-pool-bench.sh [extra JMH args]   (results in bench-results/)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f iobuf-bench/target/iobuf-bench-0.1.0-SNAPSHOT.jar ] || mvn -q -DskipTests package
JAVA="${IOBUF_JAVA:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -n1)/bin/java}"
CP="iobuf-bench/target/iobuf-bench-0.1.0-SNAPSHOT.jar:iobuf-bench/target/lib/*"
mkdir -p bench-results
for t in 1 2 4; do
  "$JAVA" -cp "$CP" org.openjdk.jmh.Main PoolBench -t "$t" -prof gc -rf csv -rff "bench-results/pool-t$t.csv" "$@"
done
