#!/usr/bin/env bash
# Runs dev.iobuf.uring.NopBench (ns per NOP, batches of 1, 32, 256) on JDK 25 from the built test
# classes. Build first: mvn -q -pl iobuf-uring -am install -DskipTests && mvn -q -pl iobuf-uring test-compile
# Usage: iobuf-uring/scripts/nop-bench.sh [seconds-per-batch-size]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
java=${IOBUF_JAVA:-}
if [ -z "$java" ]; then
  for j in /usr/lib/jvm/*25*/bin/java; do [ -x "$j" ] && java=$j && break; done
fi
[ -n "$java" ] || { echo "no JDK 25 found under /usr/lib/jvm; set IOBUF_JAVA to its java" >&2; exit 1; }
cp="$root/iobuf-uring/target/test-classes:$root/iobuf-uring/target/classes:$root/iobuf-core/target/classes"
exec "$java" --enable-native-access=ALL-UNNAMED -cp "$cp" dev.iobuf.uring.NopBench "${1:-2}"
