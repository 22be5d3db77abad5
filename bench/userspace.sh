#!/usr/bin/env bash
# Benchmark of the userspace backend through bin/quiesce (not a test: it prints figures).
# For each size (MiB, default 64 1024) a process holding that much incompressible memory is checkpointed while
# running, then checkpointed with --kill and restarted; the restored memory is verified by the program itself.
# Figures: freeze time, application pause (freeze -> resume), dump throughput to the page cache, fsync time, image
# bytes, restore time; and dd writing the same bytes with and without conv=fsync, for comparison.
# Targets (1 GiB, 2-core VM): pause <= 1.2 s; checkpoint incl. fsync within 1.1x dd conv=fsync; restore <= 1.2 s;
# freeze < 5 ms.  Usage: bench/userspace.sh [MIB...]   (build first: mvn -q package -DskipTests)
# Each size runs twice: on a fresh VM the first round also pays for the hypervisor handing the guest memory the page
# cache and the restored process use for the first time (measured: writing 1 GiB to a new file took 2.7 s once,
# 0.43 s the next time); the second round shows the steady state of a host that has been running a while.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(64 1024)
work=$(mktemp -d /tmp/quiesce-bench.XXXXXX)
export QUIESCE_HOME=$work/home
q() { "$root/bin/quiesce" "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
cleanup() { q stop >/dev/null 2>&1 || true; pkill -f "$work/randmem" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

gcc -O2 -o "$work/randmem" "$root/bench/randmem.c"
q start >/dev/null
log=$QUIESCE_HOME/logs/platform.log
wait_for() { for _ in $(seq 600); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done; echo "timed out waiting for '$1' in $2" >&2; return 1; }
last() { grep "$1" "$log" | tail -1; }

# Warm-up: one small checkpoint cycle, so JNA loading and the JIT are not counted in the first size's figures.
warm=$(q launch --json --name warmup -- "$work/randmem" "$work/warm.txt" 1 | json '["job"]')
wait_for "ready" "$work/warm.txt"
q checkpoint "$warm" --kill >/dev/null && q restart "$warm" >/dev/null
kill "$(q jobs "$warm" --json | json '[0]["pids"][0]')"  # the root: killing it ends the whole job

printf '%-6s %-6s %9s %9s %12s %9s %11s %11s %12s %10s %12s %s\n' MiB round freeze_ms pause_ms dump_MiB/s fsync_ms ckpt_ms image_MiB restore_ms dd_ms dd_fsync_ms verified
for mib in "${sizes[@]}"; do
for round in first again; do
  out=$work/out-$mib-$round.txt
  job=$(q launch --json --name "bench$mib-$round" -- "$work/randmem" "$out" "$mib" | json '["job"]')
  wait_for "ready" "$out"
  # 1. checkpoint of a running job (it continues)
  c=$(q checkpoint "$job" --json)
  pause=$(echo "$c" | json '["pauseMillis"]'); total=$(echo "$c" | json '["millis"]'); bytes=$(echo "$c" | json '["bytes"]')
  folder=$(echo "$c" | json '["checkpoint"]')
  freeze_us=$(last "processes frozen in" | sed -E 's/.* in ([0-9]+) us.*/\1/')
  copy_ms=$(last "saved:" | sed -E 's/.*page copy ([0-9]+) ms.*/\1/')
  fsync_ms=$(last "made durable in" | sed -E 's/.* made durable in ([0-9]+) ms.*/\1/')
  # 2. checkpoint --kill, then restart, then ask the restored program to verify all of its memory
  q checkpoint "$job" --kill --json >/dev/null
  t0=$(ms); q restart "$job" --json >/dev/null; t1=$(ms)
  engine_restore=$(last "restored as" | sed -E 's/.* ([0-9]+) ms in all.*/\1/')
  # the job's root may be quiesce-init, which forwards the signal to the program
  pid=$(q jobs "$job" --json | json '[0]["pids"][0]')
  : > "$out"
  kill -USR1 "$pid"
  wait_for "verify ok\|VERIFY MISMATCH" "$out"
  verified=$(grep -q "verify ok" "$out" && echo ok || echo MISMATCH)
  kill "$pid"
  # 3. dd writing the same bytes (the pages file, already in the page cache) without and with fsync
  pages=$(ls "$folder"/pages-*.img | head -1)
  t0d=$(ms); dd if="$pages" of="$work/dd.img" bs=1M status=none; t1d=$(ms); rm -f "$work/dd.img"
  t0f=$(ms); dd if="$pages" of="$work/dd.img" bs=1M conv=fsync status=none; t1f=$(ms); rm -f "$work/dd.img"
  rate=$(awk -v b="$bytes" -v m="$copy_ms" 'BEGIN { printf "%.0f", (m > 0 ? b / 1048576 / (m / 1000) : 0) }')
  printf '%-6s %-6s %9.2f %9s %12s %9s %11s %11.1f %5s (%4s) %10s %12s %s\n' "$mib" "$round" "$(awk -v u="$freeze_us" 'BEGIN{print u/1000}')" \
    "$pause" "$rate" "$fsync_ms" "$total" "$(awk -v b="$bytes" 'BEGIN{print b/1048576}')" "$engine_restore" "$((t1 - t0))" \
    "$((t1d - t0d))" "$((t1f - t0f))" "$verified"
  rm -rf "$QUIESCE_HOME/store/$job"
done
done
echo "restore_ms: engine time (in parentheses: bin/quiesce restart wall time, including the client JVM's start)"
echo "ckpt_ms: whole checkpoint through the platform incl. fsync and commit; compare with dd_fsync_ms"
