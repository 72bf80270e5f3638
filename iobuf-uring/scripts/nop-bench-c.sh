#!/usr/bin/env bash
# Builds and runs the liburing NOP benchmark (iobuf-bench/src/main/c/nop_bench.c), the C peer of
# dev.iobuf.uring.NopBench. Installs Debian's liburing-dev when it is missing.
# Usage: iobuf-uring/scripts/nop-bench-c.sh [seconds-per-batch-size]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! pkg-config --exists liburing 2>/dev/null && [ ! -f /usr/include/liburing.h ]; then
  apt-get install -y liburing-dev >/dev/null || { apt-get update >/dev/null && apt-get install -y liburing-dev >/dev/null; }
fi
out="$root/iobuf-bench/target/nop_bench"
mkdir -p "$(dirname "$out")"
cc -O2 -Wall -o "$out" "$root/iobuf-bench/src/main/c/nop_bench.c" -luring
exec "$out" "${1:-2}"
