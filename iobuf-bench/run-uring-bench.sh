#!/usr/bin/env bash
# io_uring benchmarks of issue 3, each against its peer in the same run:
#  1. NOP round trips in batches of 1, 32, 256: iobuf (dev.iobuf.uring.NopBench) against a C
#     program on liburing (iobuf-bench/src/main/c/nop_bench.c), run alternately three times so
#     both see the same machine noise.
#  2. Random 4 KiB reads: READ_FIXED into registered pool buffers against FileChannel.read (JMH).
# Installs Debian's liburing-dev when it is missing (needs root or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_BATCH="${1:-2}"
mvn -q -DskipTests package
mvn -q -pl iobuf-uring test-compile
JAVA="${IOBUF_JAVA:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -n1)/bin/java}"
for round in 1 2 3; do
  echo "== round $round"
  IOBUF_JAVA="$JAVA" iobuf-uring/scripts/nop-bench-c.sh "$SECONDS_PER_BATCH"
  IOBUF_JAVA="$JAVA" iobuf-uring/scripts/nop-bench.sh "$SECONDS_PER_BATCH"
done
"$JAVA" -cp "iobuf-bench/target/iobuf-bench-0.1.0-SNAPSHOT.jar:iobuf-bench/target/lib/*" org.openjdk.jmh.Main FileReadBench
