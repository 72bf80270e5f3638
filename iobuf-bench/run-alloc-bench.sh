#!/usr/bin/env bash
# Alloc+free of mixed sizes 4 KiB..1 MiB at 1 and 2 threads: BuddyPool, SlabPool, RegisteredPool
# handles against Netty 4.2 pooled and adaptive allocators and Arena.ofConfined, in the same run,
# with the GC profiler. Usage: iobuf-bench/run-alloc-bench.sh [extra JMH args]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -DskipTests package
JAVA="${IOBUF_JAVA:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -n1)/bin/java}"
CP="iobuf-bench/target/iobuf-bench-0.1.0-SNAPSHOT.jar:iobuf-bench/target/lib/*"
mkdir -p bench-results
for t in 1 2; do
  "$JAVA" -cp "$CP" org.openjdk.jmh.Main AllocBench -t "$t" -prof gc -rf csv -rff "bench-results/alloc-t$t.csv" "$@"
done
