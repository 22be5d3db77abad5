#!/usr/bin/env bash
# Benchmark of multi-threaded checkpoints through bin/quiesce (not a test: it prints figures).
# For each thread count (default 1 64 512) a process with that many threads (each in a 10 ms nanosleep loop, 64 KiB
# stacks) is checkpointed while running (freeze time, application pause, dump time), then checkpointed with --kill
# and restarted (engine restore time of the process, of which thread creation, and of which page writes); the
# restored process must tick on with its workers counting.
# Targets (2-core VM): freeze <= 5 ms at 64 threads; restore of 512 threads <= 200 ms beyond its memory.
# Usage: bench/threads.sh [THREADS...]   (build first: mvn -q package -DskipTests)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(1 64 512)
work=$(mktemp -d /tmp/quiesce-bench-threads.XXXXXX)
export QUIESCE_HOME=$work/home
q() { "$root/bin/quiesce" "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
cleanup() { q stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

gcc -O2 -pthread -o "$work/threadsN" "$root/bench/threadsN.c"
q start >/dev/null
log=$QUIESCE_HOME/logs/platform.log
wait_for() { for _ in $(seq 600); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done; echo "timed out waiting for '$1' in $2" >&2; return 1; }
last() { grep "$1" "$log" | tail -1; }
ticks() { grep -c '^tick=' "$1" || true; }

# Warm-up (JNA loading, JIT) with a small job, not counted.
warm=$(q launch --json --name warmup -- "$work/threadsN" "$work/warm.txt" 4 | json '["job"]')
wait_for "ready" "$work/warm.txt"
q checkpoint "$warm" --kill >/dev/null && q restart "$warm" >/dev/null
kill "$(q jobs "$warm" --json | json '[0]["pids"][0]')"

printf '%-8s %10s %9s %8s %11s %11s %10s %9s %s\n' threads freeze_ms pause_ms ckpt_ms restore_ms threads_ms pages_ms image_KiB runs_on
for n in "${counts[@]}"; do
  for round in 1 2; do
    out=$work/out-$n-$round.txt
    job=$(q launch --json --name "threads$n-$round" -- "$work/threadsN" "$out" "$n" | json '["job"]')
    wait_for "ready" "$out"
    c=$(q checkpoint "$job" --json)
    pause=$(echo "$c" | json '["pauseMillis"]'); total=$(echo "$c" | json '["millis"]'); bytes=$(echo "$c" | json '["bytes"]')
    freeze_us=$(last "processes frozen in" | sed -E 's/.* in ([0-9]+) us.*/\1/')
    q checkpoint "$job" --kill --json >/dev/null
    q restart "$job" --json >/dev/null
    line=$(last "restored as")
    restore_ms=$(echo "$line" | sed -E 's/.* ([0-9]+) ms in all.*/\1/')
    threads_ms=$(echo "$line" | sed -E 's/.* threads in ([0-9]+) ms.*/\1/')
    pages_ms=$(echo "$line" | sed -E 's/.* bytes of pages in ([0-9]+) ms.*/\1/')
    before=$(ticks "$out"); sleep 0.5
    runs=$([ "$(ticks "$out")" -gt "$before" ] && echo ok || echo STOPPED)
    printf '%-8s %10.2f %9s %8s %11s %11s %10s %9s %s\n' "$n" "$(echo "$freeze_us / 1000" | bc -l)" "$pause" "$total" \
      "$restore_ms" "$threads_ms" "$pages_ms" $((bytes / 1024)) "$runs"
    kill "$(q jobs "$job" --json | json '[0]["pids"][0]')" || true
  done
done
