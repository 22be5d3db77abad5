#!/usr/bin/env bash
# Benchmark of Open MPI rings through bin/quiesce (not a test: it prints figures), on this host, TCP on loopback
# (--mca btl tcp,self --mca pml ob1, btl/oob on lo). For each rank count (default 4 8):
#   - ring hops/s without Quiesce and under Quiesce with no checkpoint taken (ROUNDS runs each; median, min, max;
#     the ratio of medians: the run-time overhead, target >= 0.99);
#   - a long ring checkpointed ROUNDS times while it runs (checkpoint time and job pause, median/min/max), then with
#     --kill, and restarted: the restart command's time and the time from its start to the ring's next progress line
#     (targets: checkpoint (continue) <= 300 ms for 4 ranks, restart to the next hop <= 1 s), the image size per rank
#     beside the ranks' resident memory.
# Usage: bench/mpi.sh [RANKS...]   (build first: mvn -q package -DskipTests; ROUNDS=5 HOPS=300000 by default)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(4 8)
rounds=${ROUNDS:-5}
hops=${HOPS:-300000}
work=$(mktemp -d /tmp/quiesce-bench-mpi.XXXXXX)
export QUIESCE_HOME=$work/home
q() { "$root/bin/quiesce" "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
stats() { python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print('%.0f %.0f %.0f' % (statistics.median(v), min(v), max(v)))" "$@"; }
cleanup() { q stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

command -v mpicc.openmpi >/dev/null || { echo "needs Open MPI (Debian: openmpi-bin libopenmpi-dev)" >&2; exit 1; }
mpicc.openmpi -O2 -o "$work/mpiring00" "$root/itests/src/test/realprograms/mpiring00.c"
mkdir -p "$work/tmp"
mpirun_argv() { # ranks hops delay_us [every]
  echo env TMPDIR="$work/tmp" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 /usr/bin/mpirun.openmpi --oversubscribe -n "$1" \
    --mca btl tcp,self --mca pml ob1 --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo "$work/mpiring00" "$2" 4096 "$3" "${4:-$(($2 / 100))}"
}
q start >/dev/null
wait_for() { for _ in $(seq 1200); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.05; done; echo "timed out waiting for '$1' in $2" >&2; return 1; }
output() { echo "$QUIESCE_HOME/jobs/$1/output.log"; }
rate() { sed -nE 's/^ring figures .* hops_per_s=([0-9]+).*/\1/p' "$1" | tail -1; }
now_ms() { date +%s%3N; }
progress() { grep -c '^hop ' "$1" || true; }

for k in "${counts[@]}"; do
  echo "== $k ranks, $hops hops of 4 KiB =="
  plain=(); under=()
  for r in $(seq "$rounds"); do
    # shellcheck disable=SC2046
    $(mpirun_argv "$k" "$hops" 0) > "$work/plain.txt"
    plain+=("$(rate "$work/plain.txt")")
    job=$(q launch --json --name "ring$k-$r" -- $(mpirun_argv "$k" "$hops" 0) | json '["job"]')
    wait_for "^ring ok" "$(output "$job")"
    under+=("$(rate "$(output "$job")")")
  done
  read -r pm pmin pmax <<< "$(stats "${plain[@]}")"
  read -r um umin umax <<< "$(stats "${under[@]}")"
  printf 'hops/s without Quiesce  median %s (min %s, max %s)\n' "$pm" "$pmin" "$pmax"
  printf 'hops/s under Quiesce    median %s (min %s, max %s); ratio of medians %.3f\n' "$um" "$umin" "$umax" "$(echo "$um / $pm" | bc -l)"

  job=$(q launch --json --name "ringcp$k" -- $(mpirun_argv "$k" 100000000 100 100) | json '["job"]')
  out=$(output "$job")
  wait_for "^hop " "$out"
  ckpt=(); pause=()
  for r in $(seq "$rounds"); do
    c=$(q checkpoint "$job" --json)
    ckpt+=("$(echo "$c" | json '["millis"]')"); pause+=("$(echo "$c" | json '["pauseMillis"]')")
    bytes=$(echo "$c" | json '["bytes"]')
  done
  read -r cm cmin cmax <<< "$(stats "${ckpt[@]}")"
  read -r sm smin smax <<< "$(stats "${pause[@]}")"
  pids=$(q jobs "$job" --json | json '[0]["pids"]' | tr -d '[],')
  rss=0; for p in $pids; do [ "$(cat /proc/"$p"/comm 2>/dev/null)" = mpiring00 ] && rss=$((rss + $(awk '/^VmRSS/ {print $2}' /proc/"$p"/status))); done
  printf 'checkpoint (continue)   median %s ms (min %s, max %s); job paused median %s ms (min %s, max %s)\n' "$cm" "$cmin" "$cmax" "$sm" "$smin" "$smax"
  printf 'image                   %s KiB in all, %s KiB per rank; ranks resident %s KiB each\n' $((bytes / 1024)) $((bytes / 1024 / k)) $((rss / k))
  kc=$(q checkpoint "$job" --kill --json)
  printf 'checkpoint (--kill)     %s ms, job paused %s ms\n' "$(echo "$kc" | json '["millis"]')" "$(echo "$kc" | json '["pauseMillis"]')"
  before=$(progress "$out")
  t0=$(now_ms)
  q restart "$job" --json >/dev/null
  t1=$(now_ms)
  for _ in $(seq 2000); do [ "$(progress "$out")" -gt "$before" ] && break; sleep 0.005; done
  t2=$(now_ms)
  [ "$(progress "$out")" -gt "$before" ] || { echo "the restarted ring made no progress" >&2; exit 1; }
  printf 'restart                 %s ms (command); next hop line %s ms after the restart began\n' $((t1 - t0)) $((t2 - t0))
  kill "$(q jobs "$job" --json | json '[0]["pids"][0]')" 2>/dev/null || true
done
