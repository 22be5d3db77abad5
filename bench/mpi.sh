#!/usr/bin/env bash
# Benchmark of Open MPI rings through bin/quiesce (not a test: it prints figures), on this host, TCP on loopback
# (--mca btl tcp,self --mca pml ob1, btl/oob on lo). For each rank count (default 4 8):
#   - ring hops/s without Quiesce and under Quiesce with no checkpoint taken (ROUNDS runs each; median, min, max;
#     the ratio of medians: the run-time overhead, target >= 0.99);
#   - a long ring checkpointed ROUNDS times while it runs (checkpoint time and job pause, median/min/max), then with
#     --kill, and restarted: the restart command's time and the time from its start to the ring's next progress line
#     (targets: checkpoint (continue) <= 300 ms for 4 ranks, restart to the next hop <= 1 s), the image size per rank
#     beside the ranks' resident memory.
# With HOSTS=2 (as root) the ring runs over two network namespace hosts joined by a veth link, half the ranks on
# each (mpirun --host node-a:K/2,node-b:K/2, btl/oob on the link, mpi_yield_when_idle 1): under Quiesce mpirun starts
# its daemon on node-b through bin/quiesce-rsh (coordinator node-a, agent node-b); without Quiesce through a small
# rsh agent that runs the command in node-b's namespace.
# Usage: [HOSTS=2] bench/mpi.sh [RANKS...]   (build first: mvn -q package -DskipTests; ROUNDS=5 HOPS=300000 by default)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(4 8)
rounds=${ROUNDS:-5}
hops=${HOPS:-300000}
hosts=${HOSTS:-1}
[ "$hosts" = 1 ] || [ "$hosts" = 2 ] || { echo "HOSTS is 1 or 2" >&2; exit 1; }
[ "$hosts" = 1 ] || [ "$(id -u)" -eq 0 ] || { echo "HOSTS=2 makes network namespaces: run it as root" >&2; exit 1; }
work=$(mktemp -d /tmp/quiesce-bench-mpi.XXXXXX)
chmod 755 "$work"
export QUIESCE_HOME=$work/home
net=10.234.0.
if [ "$hosts" = 1 ]; then
  q() { "$root/bin/quiesce" "$@"; }
  plain_run() { "$@"; }
else
  q() { ip netns exec qzmpia "$root/bin/quiesce" "$@"; }
  qb() { QUIESCE_HOME=$work/home-b ip netns exec qzmpib "$root/bin/quiesce" "$@"; }
  plain_run() { ip netns exec qzmpia "$@"; }
fi
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
stats() { python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print('%.0f %.0f %.0f' % (statistics.median(v), min(v), max(v)))" "$@"; }
cleanup() {
  q stop >/dev/null 2>&1 || true
  if [ "$hosts" = 2 ]; then
    qb stop >/dev/null 2>&1 || true
    for ns in qzmpia qzmpib; do ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; ip netns del "$ns" 2>/dev/null || true; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

command -v mpicc.openmpi >/dev/null || { echo "needs Open MPI (Debian: openmpi-bin libopenmpi-dev)" >&2; exit 1; }
mpicc.openmpi -O2 -o "$work/mpiring00" "$root/itests/src/test/realprograms/mpiring00.c"
mkdir -p "$work/tmp"
if [ "$hosts" = 1 ]; then
  mpirun_argv() { # quiesce|plain ranks hops delay_us [every]
    echo env TMPDIR="$work/tmp" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 /usr/bin/mpirun.openmpi --oversubscribe -n "$2" \
      --mca btl tcp,self --mca pml ob1 --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo "$work/mpiring00" "$3" 4096 "$4" "${5:-$(($3 / 100))}"
  }
  q start >/dev/null
else
  for ns in qzmpia qzmpib; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; ip -n "$ns" link set lo up; done
  ip link add qzmpiva netns qzmpia type veth peer name qzmpivb netns qzmpib
  ip -n qzmpia addr add ${net}1/24 dev qzmpiva; ip -n qzmpia link set qzmpiva up
  ip -n qzmpib addr add ${net}2/24 dev qzmpivb; ip -n qzmpib link set qzmpivb up
  # the plain run's rsh agent: [options] HOST COMMAND... runs COMMAND in HOST's namespace, as ssh would on HOST
  cat > "$work/netns-rsh" <<'AGENT'
#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in -*) shift ;; *) break ;; esac; done
host=$1; shift
exec ip netns exec "qzmpi${host#node-}" /bin/sh -c "$*"
AGENT
  chmod 755 "$work/netns-rsh"
  mpirun_argv() { # quiesce|plain ranks hops delay_us [every]
    local agent=$root/bin/quiesce-rsh; [ "$1" = quiesce ] || agent=$work/netns-rsh
    echo env TMPDIR="$work/tmp" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 /usr/bin/mpirun.openmpi -n "$2" \
      --host "node-a:$(($2 / 2)),node-b:$(($2 - $2 / 2))" --mca plm_rsh_agent "$agent" --mca plm_rsh_no_tree_spawn 1 \
      --mca mpi_yield_when_idle 1 --mca btl tcp,self --mca pml ob1 --mca btl_tcp_if_include ${net}0/24 \
      --mca oob_tcp_if_include ${net}0/24 "$work/mpiring00" "$3" 4096 "$4" "${5:-$(($3 / 100))}"
  }
  q cluster init >/dev/null
  mkdir -m 700 "$work/home-b"; cp -a "$QUIESCE_HOME/cluster" "$work/home-b/"
  q start --host node-a --listen ${net}1:7741 >/dev/null
  qb start --host node-b --join ${net}1:7741 >/dev/null
  for _ in $(seq 600); do
    q hosts --json 2>/dev/null | python3 -c "import json,sys; sys.exit(0 if any(h.get('name') == 'node-b' and h.get('state') == 'up' for h in json.load(sys.stdin)) else 1)" && break
    sleep 0.05
  done
fi
wait_for() { for _ in $(seq 1200); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.05; done; echo "timed out waiting for '$1' in $2" >&2; return 1; }
output() { echo "$QUIESCE_HOME/jobs/$1/output.log"; }
rate() { sed -nE 's/^ring figures .* hops_per_s=([0-9]+).*/\1/p' "$1" | tail -1; }
now_ms() { date +%s%3N; }
progress() { grep -c '^hop ' "$1" || true; }

for k in "${counts[@]}"; do
  echo "== $k ranks on $hosts host(s), $hops hops of 4 KiB =="
  plain=(); under=()
  for r in $(seq "$rounds"); do
    # shellcheck disable=SC2046
    plain_run $(mpirun_argv plain "$k" "$hops" 0) > "$work/plain.txt"
    plain+=("$(rate "$work/plain.txt")")
    job=$(q launch --json --name "ring$k-$r" -- $(mpirun_argv quiesce "$k" "$hops" 0) | json '["job"]')
    wait_for "^ring ok" "$(output "$job")"
    under+=("$(rate "$(output "$job")")")
  done
  read -r pm pmin pmax <<< "$(stats "${plain[@]}")"
  read -r um umin umax <<< "$(stats "${under[@]}")"
  printf 'hops/s without Quiesce  median %s (min %s, max %s)\n' "$pm" "$pmin" "$pmax"
  printf 'hops/s under Quiesce    median %s (min %s, max %s); ratio of medians %.3f\n' "$um" "$umin" "$umax" "$(echo "$um / $pm" | bc -l)"

  job=$(q launch --json --name "ringcp$k" -- $(mpirun_argv quiesce "$k" 100000000 100 100) | json '["job"]')
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
  pids=$(q jobs "$job" --json | python3 -c "import json,sys; j=json.load(sys.stdin)[0]; print(' '.join(str(p) for x in j.get('pieces') or [j] for p in x['pids']))")
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
  q checkpoint "$job" --kill >/dev/null 2>&1 || true
done
