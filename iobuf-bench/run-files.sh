#!/usr/bin/env bash
# iobuf-files against fio (--ioengine=io_uring) on the same file, same machine, alternating rounds,
# both pinned to one core (taskset -c $CPU):
#   randread  O_DIRECT random 4 KiB reads, queue depth 32, one thread / one event loop
#   seqread   O_DIRECT sequential 1 MiB reads, queue depth 8 (--seq-qd)
#   seqwrite  O_DIRECT sequential 1 MiB writes (overwriting the test file), queue depth 8
#   cached    random 4 KiB reads of the file in the page cache from one platform thread:
#             FileBatch of 1..32 reads against FileChannel.read (no fio in this one)
# CPU per I/O: fio's own usr_cpu + sys_cpu (its job thread, after ramp_time) against the whole
# JVM's utime + stime from /proc/self/stat over FileBench's measurement window (after a warm-up).
#
#   iobuf-bench/run-files.sh [--rounds 3] [--seconds 5] [--ramp 2] [--dir DIR] [--size 1g]
#                            [--modes randread,seqread,seqwrite,cached] [--cpu 1] [--seq-qd 8]
#                            [--rand-variants fixed,plain,registered] [--seq-variants fixed]
#                            [--fio-extra "..."] [--cached-seconds 2] [--no-fio]
#
# Configurations, each pair like for like: "fixed" = fio --fixedbufs --registerfiles against iobuf
# with its buffers registered on the loop's ring (AsyncFile sends READ_FIXED/WRITE_FIXED by
# itself) and FileOption.FIXED_FILE; "plain" = fio without them against iobuf with unregistered
# buffers and an fd; "registered" = iobuf's registered buffers with an fd (no fio run). Every
# run is its own process; the order of the runs in a round is reversed every other round, so
# drifts of the (virtual) disk fall on both. --no-fio shows iobuf alone.
# Installs fio when missing (apt-get). The test file (default DIR iobuf-bench/target/files-bench,
# on the disk, not tmpfs) is kept for the next run. Only the test file's page cache is dropped
# (fio's invalidate=1, FileBench's POSIX_FADV_DONTNEED): nothing system-wide.
# Raw results: bench-results/files-<time>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

ROUNDS=3 SECS=5 RAMP=2 DIR="$ROOT/iobuf-bench/target/files-bench" SIZE=1g CPU=1 SEQ_QD=8 RAND_QD=32
MODES=randread,seqread,seqwrite,cached FIO=1 CACHED_SECS="" FIO_EXTRA=""
RAND_VARIANTS=fixed,plain,registered SEQ_VARIANTS=fixed
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --seconds) SECS="$2"; shift 2 ;;
    --ramp) RAMP="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    --size) SIZE="$2"; shift 2 ;;
    --modes) MODES="$2"; shift 2 ;;
    --cpu) CPU="$2"; shift 2 ;;
    --seq-qd) SEQ_QD="$2"; shift 2 ;;
    --rand-variants) RAND_VARIANTS="$2"; shift 2 ;;
    --seq-variants) SEQ_VARIANTS="$2"; shift 2 ;;
    --fio-extra) FIO_EXTRA="$2"; shift 2 ;;
    --cached-seconds) CACHED_SECS="$2"; shift 2 ;;
    --no-fio) FIO=0; shift ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-files.sh: unknown option $1 (--help lists them)" >&2; exit 2 ;;
  esac
done
# cached runs 7 results per round (FileChannel and 6 batch sizes): shorter windows by default
CACHED_SECS="${CACHED_SECS:-$(awk -v s="$SECS" 'BEGIN { print (s > 2 ? 2 : s) }')}"

# ---- tools -------------------------------------------------------------------------------------
if [ "$FIO" = 1 ] && ! command -v fio >/dev/null 2>&1; then
  echo "run-files.sh: installing fio (apt-get install -y fio)" >&2
  { apt-get install -y -qq fio || { apt-get update -qq && apt-get install -y -qq fio; }; } >/dev/null 2>&1 \
    || { echo "run-files.sh: could not install fio; run with --no-fio to see iobuf alone" >&2; exit 1; }
fi
command -v python3 >/dev/null 2>&1 || { echo "run-files.sh: python3 is needed (to read fio's JSON and make the table)" >&2; exit 1; }
PIN=(taskset -c "$CPU")
command -v taskset >/dev/null 2>&1 || { echo "run-files.sh: taskset not found: running unpinned" >&2; PIN=(); }

find_java() {
  local d v
  for d in "${IOBUF_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -n "$d" ] && [ -x "$d/bin/java" ] || continue
    v=$("$d/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
    [ -n "$v" ] && [ "$v" -ge 25 ] && { echo "$d/bin/java"; return; }
  done
}
JAVA="${IOBUF_JAVA:-$(find_java)}"
[ -n "$JAVA" ] || { echo "run-files.sh: no JDK 25 found (set IOBUF_JAVA_HOME)" >&2; exit 2; }
JAR="$ROOT/iobuf-bench/target/iobuf-bench-0.1.0-SNAPSHOT.jar"
if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT" -path '*/target' -prune -o -name '*.java' -newer "$JAR" -print -quit)" ]; then
  echo "run-files.sh: building iobuf-bench" >&2
  mvn -B -q ${MVN_FLAGS:-} -pl iobuf-bench -am -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip package >&2
fi
CP="$JAR:$ROOT/iobuf-bench/target/lib/*"
JOPTS="--enable-native-access=ALL-UNNAMED -Xms128m -Xmx128m ${IOBUF_JAVA_OPTS:-}"

# ---- the test file -----------------------------------------------------------------------------
mkdir -p "$DIR"
FSTYPE=$(df -T "$DIR" | awk 'NR == 2 { print $2 }')
case "$FSTYPE" in
  tmpfs|ramfs|overlay) echo "run-files.sh: $DIR is on $FSTYPE, not a disk; give --dir on a disk file system" >&2; exit 2 ;;
esac
FILE="$DIR/files-bench-$SIZE.bin"
BYTES=$(python3 -c "import sys; s=sys.argv[1].lower(); m={'k':1<<10,'m':1<<20,'g':1<<30}; print(int(s[:-1])*m[s[-1]] if s[-1] in m else int(s))" "$SIZE")
if [ ! -f "$FILE" ] || [ "$(stat -c %s "$FILE")" -lt "$BYTES" ]; then
  echo "run-files.sh: writing the test file $FILE ($SIZE, $FSTYPE)" >&2
  if [ "$FIO" = 1 ]; then
    fio --name=create --filename="$FILE" --size="$SIZE" --rw=write --bs=1m --direct=1 --ioengine=io_uring \
        --iodepth=8 --output=/dev/null
  else
    dd if=/dev/urandom of="$FILE" bs=1M count=$((BYTES >> 20)) oflag=direct status=none
  fi
fi

OUT="$ROOT/bench-results"
mkdir -p "$OUT"
RAW="$OUT/files-$(date +%Y%m%d-%H%M%S).txt"
KERNEL=$(uname -r)
FIO_VERSION=$( [ "$FIO" = 1 ] && fio --version || echo none)
{
  echo "# run-files.sh rounds=$ROUNDS seconds=$SECS ramp=$RAMP cached_seconds=$CACHED_SECS size=$SIZE cpu=$CPU seq_qd=$SEQ_QD"
  echo "# file=$FILE fs=$FSTYPE kernel=$KERNEL fio=$FIO_VERSION fio_extra=$FIO_EXTRA java=$JAVA"
} > "$RAW"

# ---- one run each --------------------------------------------------------------------------------
# run_fio ROUND MODE CONFIG: one fio run; appends "round=R tool=fio mode=M variant=CONFIG iops= mbps= cpu_ns_per_io= ..."
run_fio() {
  local round="$1" mode="$2" config="$3" rw bs qd extra=() json
  case "$mode" in
    randread) rw=randread bs=4k qd=$RAND_QD extra=(--norandommap --randrepeat=0) ;;
    seqread) rw=read bs=1m qd=$SEQ_QD ;;
    seqwrite) rw=write bs=1m qd=$SEQ_QD ;;
  esac
  [ "$config" = fixed ] && extra+=(--fixedbufs --registerfiles)
  json=$("${PIN[@]}" fio --name=files --filename="$FILE" --size="$SIZE" --direct=1 --ioengine=io_uring \
      --rw="$rw" --bs="$bs" --iodepth="$qd" --numjobs=1 --time_based --runtime="$SECS" --ramp_time="$RAMP" \
      --hipri=0 $FIO_EXTRA "${extra[@]}" --output-format=json)
  echo "$json" | python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
d = j["write" if sys.argv[1] == "seqwrite" else "read"]
iops = d["iops"]
# usr_cpu and sys_cpu are percent of the job runtime (after ramp_time): CPU per I/O = (usr+sys)/100/iops
cpu = (j["usr_cpu"] + j["sys_cpu"]) / 100.0 / iops * 1e9 if iops > 0 else 0
print("round=%s tool=fio mode=%s variant=%s iops=%.0f mbps=%.1f cpu_ns_per_io=%.0f cpu_util=%.2f seconds=%.2f"
      % (sys.argv[2], sys.argv[1], sys.argv[3], iops, d["bw_bytes"] / 1e6, cpu, (j["usr_cpu"] + j["sys_cpu"]) / 100.0,
         j["job_runtime"] / 1000.0))
' "$mode" "$round" "$config" | tee -a "$RAW"
}

# run_iobuf ROUND MODE VARIANT: FileBench in its own JVM; its RESULT lines, prefixed with round and tool
run_iobuf() {
  local round="$1" mode="$2" variant="$3" args=()
  case "$mode" in
    randread) args=(--qd "$RAND_QD" --bs 4096 --variant "$variant" --seconds "$SECS" --warmup "$RAMP") ;;
    seqread|seqwrite) args=(--qd "$SEQ_QD" --bs 1m --variant "$variant" --seconds "$SECS" --warmup "$RAMP") ;;
    cached) args=(--bs 4096 --variant fixed --seconds "$CACHED_SECS" --warmup 1) ;;
  esac
  "${PIN[@]}" "$JAVA" $JOPTS -cp "$CP" dev.iobuf.bench.FileBench --mode "$mode" --file "$FILE" --size "$SIZE" "${args[@]}" \
    | sed -n "s/^RESULT /round=$round tool=iobuf /p" | tee -a "$RAW"
}

# runs MODE: the runs of one mode in a round, as tool:config
runs() {
  local v list=()
  case "$1" in
    cached) echo "iobuf:fixed"; return ;;
    randread) IFS=, read -r -a vs <<< "$RAND_VARIANTS" ;;
    *) IFS=, read -r -a vs <<< "$SEQ_VARIANTS" ;;
  esac
  for v in "${vs[@]}"; do
    if [ "$FIO" = 1 ] && { [ "$v" = fixed ] || [ "$v" = plain ]; }; then list+=("fio:$v"); fi
    list+=("iobuf:$v")
  done
  echo "${list[@]}"
}

IFS=, read -r -a MODE_LIST <<< "$MODES"
for round in $(seq 1 "$ROUNDS"); do
  for mode in "${MODE_LIST[@]}"; do
    read -r -a list <<< "$(runs "$mode")"
    if [ $((round % 2)) = 0 ]; then
      for ((i = 0, j = ${#list[@]} - 1; i < j; i++, j--)); do t="${list[i]}"; list[i]="${list[j]}"; list[j]="$t"; done
    fi
    echo "run-files.sh: round $round/$ROUNDS, $mode: ${list[*]}" >&2
    for run in "${list[@]}"; do
      case "$run" in
        fio:*) run_fio "$round" "$mode" "${run#fio:}" >/dev/null ;;
        iobuf:*) run_iobuf "$round" "$mode" "${run#iobuf:}" >/dev/null ;;
      esac
    done
  done
done

# ---- the tables --------------------------------------------------------------------------------
python3 - "$RAW" <<'EOF'
import sys, statistics as st
rows = []
for line in open(sys.argv[1]):
    if line.startswith("round="):
        rows.append(dict(kv.split("=", 1) for kv in line.split()))
med = st.median

def fmt_rate(mode, v):
    return "%.0f MB/s" % v if mode.startswith("seq") else "%.1fk IOPS" % (v / 1000)

def rate(r):
    return float(r["mbps"] if r["mode"].startswith("seq") else r["iops"])

print("raw: " + sys.argv[1])
modes = [m for m in ["randread", "seqread", "seqwrite"] if any(r["mode"] == m for r in rows)]
order = ["fixed", "plain", "registered"]
span = lambda v: "%.2f (%.2f-%.2f)" % (med(v), min(v), max(v)) if v else "-"
if modes:
    print()
    print("| mode | config | fio | iobuf | iobuf ÷ fio | fio CPU µs/IO | iobuf CPU µs/IO | iobuf ÷ fio | iobuf enters/IO |")
    print("|---|---|---|---|---|---|---|---|---|")
for m in modes:
    variants = sorted({r["variant"] for r in rows if r["mode"] == m and r["tool"] == "iobuf"},
                      key=lambda v: order.index(v) if v in order else 9)
    rounds = sorted({r["round"] for r in rows if r["mode"] == m}, key=int)
    def get(tool, rnd, variant):
        for r in rows:
            if r["mode"] == m and r["tool"] == tool and r["round"] == rnd and r["variant"] == variant:
                return r
    best = None
    for v in variants:
        b = [r for r in (get("iobuf", k, v) for k in rounds) if r]
        b_rate = med([rate(r) for r in b])
        b_cpu = med([float(r["cpu_ns_per_io"]) / 1000 for r in b])
        enters = med([float(r["enters_per_io"]) for r in b])
        if best is None or b_rate > best[1]:
            best = (v, b_rate)
        pairs = [(get("fio", k, v), get("iobuf", k, v)) for k in rounds]
        pairs = [(x, y) for x, y in pairs if x and y]
        if pairs:
            f_rate = med([rate(x) for x, _ in pairs])
            f_cpu = med([float(x["cpu_ns_per_io"]) / 1000 for x, _ in pairs])
            rr = [rate(y) / rate(x) for x, y in pairs]
            cr = [float(y["cpu_ns_per_io"]) / float(x["cpu_ns_per_io"]) for x, y in pairs if float(x["cpu_ns_per_io"]) > 0]
            print("| %s | %s | %s | %s | %s | %.2f | %.2f | %s | %.3f |" % (m, v, fmt_rate(m, f_rate), fmt_rate(m, b_rate),
                  span(rr), f_cpu, b_cpu, span(cr), enters))
        else:
            print("| %s | %s | - | %s | - | - | %.2f | - | %.3f |" % (m, v, fmt_rate(m, b_rate), b_cpu, enters))
    if len(variants) > 1:
        print("|  | fastest iobuf variant: %s |  |  |  |  |  |  |  |" % best[0])
if modes:
    print()
    print("medians over %d rounds; ratios: median of the per-round ratios (min-max)." % len({r["round"] for r in rows}))
    print("fixed: registered buffers + fixed file (fio --fixedbufs --registerfiles); plain: neither; registered: buffers only")

cached = [r for r in rows if r["mode"] == "cached"]
if cached:
    fc = [r for r in cached if r["variant"] == "filechannel"]
    fb = [r for r in cached if r["variant"] != "filechannel"]
    fc_rate = med([float(r["iops"]) for r in fc])
    fc_cpu = med([float(r["cpu_ns_per_io"]) / 1000 for r in fc])
    print()
    print("cached random 4 KiB reads, one thread: FileChannel.read %.0fk ops/s (%.2f µs CPU/op)" % (fc_rate / 1000, fc_cpu))
    print()
    print("| batch | FileBatch ops/s | ÷ FileChannel.read | CPU µs/op | enters/op |")
    print("|---|---|---|---|---|")
    wins = None
    for b in sorted({int(r["batch"]) for r in fb}):
        rs = [r for r in fb if int(r["batch"]) == b]
        ratios = []
        for r in rs:
            ch = [x for x in fc if x["round"] == r["round"]]
            if ch:
                ratios.append(float(r["iops"]) / float(ch[0]["iops"]))
        ratio = med(ratios)
        if wins is None and ratio >= 1.0:
            wins = b
        print("| %d | %.0fk | %.2f (%.2f-%.2f) | %.2f | %.3f |" % (b, med([float(r["iops"]) for r in rs]) / 1000, ratio,
              min(ratios), max(ratios), med([float(r["cpu_ns_per_io"]) / 1000 for r in rs]),
              med([float(r["enters_per_io"]) for r in rs])))
    print()
    print("FileBatch starts to win at batch %s" % (wins if wins else "- (never, up to %d)" % max(int(r["batch"]) for r in fb)))
EOF
