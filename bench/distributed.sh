#!/usr/bin/env bash
# Benchmark of jobs across hosts through bin/quiesce (not a test: it prints figures). As root: for each host count
# (default 1 2 4) it makes that many network namespace hosts (one: alone; two: a veth link; more: a veth link each to
# a bridge in a switch namespace), one platform per host with its own home (the first the coordinator, the others
# agents over TLS), and runs an 8-rank TCP ring (itests/src/test/cluster/ring.py: every rank streams numbered
# messages of up to 64 KiB every 5 ms to the next and checks every byte it gets), ranks spread round-robin, so with
# more than one host every connection of the ring is between hosts. It prints:
#   - checkpoint (continue): wall time and job pause, median/min/max over ROUNDS (default 10);
#   - checkpoint --kill, then restart: the command's time and the time from its start until every rank received a
#     new message (target: 4 hosts <= 1.5 x one host);
#   - with more than one host: the ring stopped and restarted with the last host's part moved onto the first
#     (--host-map), the part copy's rate as the restart reports it, beside a plain copy of the same files between the
#     same two namespaces over one TCP connection (python3, no encryption), and the restart's time to the next message.
# Usage: sudo bench/distributed.sh [HOSTS...]   (build first: mvn -q -B install -DskipTests -DskipITs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "bench/distributed.sh makes network namespaces: run it as root" >&2; exit 1; }
[ -e "$root/distro/target/quiesce.jar" ] || { echo "build first: mvn -q -B install -DskipTests -DskipITs" >&2; exit 1; }
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(1 2 4)
rounds=${ROUNDS:-10}
ranks=8
work=$(mktemp -d /tmp/quiesce-bench-dist.XXXXXX)
chmod 700 "$work"
namespaces=()
homes=()

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }
stats() { python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print('%.0f %.0f %.0f' % (statistics.median(v), min(v), max(v)))" "$@"; }
now_ms() { date +%s%3N; }
# q HOST_INDEX ARGS...: bin/quiesce of that host, inside its namespace
q() { local i=$1; shift; QUIESCE_HOME=${homes[$i]} ip netns exec "${namespaces[$i]}" "$root/bin/quiesce" "$@"; }
lines() { local n; n=$(wc -l 2>/dev/null < "$work/data/rank$1.txt") || n=0; echo "${n:-0}"; }
rate() { python3 -c "print('%.0f' % ($1 / 1048576 / max($2, 1) * 1000))"; }
letters=(a b c d e f g h)
# waits until every rank received MORE messages beyond the counts in the array named by $1 (20 s deadline)
every_rank_gets() {
  local -n base=$1; local more=$2 r
  for _ in $(seq 4000); do
    local all=1
    for ((r = 0; r < ranks; r++)); do [ "$(lines $r)" -ge $((base[r] + more)) ] || { all=0; break; }; done
    [ $all -eq 1 ] && return 0
    if compgen -G "$work/data/rank*.fail" >/dev/null; then cat "$work"/data/rank*.fail >&2; return 1; fi
    sleep 0.005
  done
  echo "the ring made no progress" >&2; return 1
}
counts_now() { local -n out=$1; local r; out=(); for ((r = 0; r < ranks; r++)); do out+=("$(lines $r)"); done; }

teardown() {
  local i
  for ((i = ${#homes[@]} - 1; i >= 0; i--)); do q "$i" stop >/dev/null 2>&1 || true; done
  for ns in "${namespaces[@]}"; do ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; ip netns del "$ns" 2>/dev/null || true; done
  ip netns del qzbsw 2>/dev/null || true
  namespaces=(); homes=()
}
cleanup() { teardown; rm -rf "$work"; }
trap cleanup EXIT

# hosts N: makes N namespace hosts at 10.232.N.1..N and a platform in each; the first is the coordinator
hosts() {
  local n=$1 i net="10.232.$1."
  for ((i = 0; i < n; i++)); do
    local ns="qzb$n${letters[$i]}"
    ip netns del "$ns" 2>/dev/null || true
    ip netns add "$ns"; ip -n "$ns" link set lo up
    namespaces+=("$ns")
    homes+=("$work/home$n-$i")
    mkdir -m 700 "${homes[$i]}"
  done
  if [ "$n" -eq 2 ]; then
    ip link add qzbv0 netns "${namespaces[0]}" type veth peer name qzbv1 netns "${namespaces[1]}"
  elif [ "$n" -gt 2 ]; then
    ip netns del qzbsw 2>/dev/null || true
    ip netns add qzbsw; ip -n qzbsw link add br0 type bridge; ip -n qzbsw link set br0 up
    for ((i = 0; i < n; i++)); do
      ip link add "qzbv$i" netns "${namespaces[$i]}" type veth peer name "qzbp$i" netns qzbsw
      ip -n qzbsw link set "qzbp$i" master br0; ip -n qzbsw link set "qzbp$i" up
    done
  fi
  for ((i = 0; i < n; i++)); do
    if [ "$n" -gt 1 ]; then
      ip -n "${namespaces[$i]}" addr add "$net$((i + 1))/24" dev "qzbv$i"; ip -n "${namespaces[$i]}" link set "qzbv$i" up
    else
      ip -n "${namespaces[$i]}" addr add "${net}1/32" dev lo
    fi
  done
  q 0 cluster init >/dev/null
  for ((i = 1; i < n; i++)); do cp -rp "${homes[0]}/cluster" "${homes[$i]}/"; done
  q 0 start --host node0 --listen "${net}1:7740" >/dev/null
  for ((i = 1; i < n; i++)); do q "$i" start --host "node$i" --join "${net}1:7740" >/dev/null; done
  for _ in $(seq 600); do
    [ "$(q 0 hosts --json | python3 -c "import json,sys; print(sum(1 for h in json.load(sys.stdin) if h['state']=='up'))")" -ge "$n" ] && return 0
    sleep 0.05
  done
  echo "the agents did not join" >&2; return 1
}

ring_pids() { q 0 jobs bring --json | python3 -c "import json,sys; print(' '.join(str(p) for x in json.load(sys.stdin)[0]['pieces'] for p in x['pids']))"; }
stop_ring() {
  for _ in $(seq 200); do
    local p; p=$(ring_pids); [ -z "$p" ] && return 0
    # shellcheck disable=SC2086
    kill -9 $p 2>/dev/null || true; sleep 0.05
  done
  echo "the ring did not stop" >&2; return 1
}

for n in "${counts[@]}"; do
  echo "== $ranks ranks on $n host(s) =="
  hosts "$n"
  rm -rf "$work/data"; mkdir -m 700 "$work/data"
  addrs=$(python3 -c "print(','.join('10.232.$n.%d' % (r % $n + 1) for r in range($ranks)))")
  for ((i = 0; i < n; i++)); do
    here=$(python3 -c "print(','.join(str(r) for r in range($i, $ranks, $n)))")
    if [ "$i" -eq 0 ]; then where=(--name bring); else where=(--host "node$i" --job bring); fi
    q 0 launch "${where[@]}" -- python3 "$root/itests/src/test/cluster/ring.py" "$work/data" 7800 "$here" "$addrs" >/dev/null
  done
  zero=(0 0 0 0 0 0 0 0)
  every_rank_gets zero 50
  ckpt=(); pause=()
  for r in $(seq "$rounds"); do
    c=$(q 0 checkpoint bring --json)
    ckpt+=("$(echo "$c" | json '["millis"]')"); pause+=("$(echo "$c" | json '["pauseMillis"]')")
    bytes=$(echo "$c" | json '["bytes"]')
    counts_now before; every_rank_gets before 5
  done
  read -r cm cmin cmax <<< "$(stats "${ckpt[@]}")"
  read -r pm pmin pmax <<< "$(stats "${pause[@]}")"
  printf 'checkpoint (continue)  median %s ms (min %s, max %s); job paused median %s ms (min %s, max %s); images %s MiB\n' \
    "$cm" "$cmin" "$cmax" "$pm" "$pmin" "$pmax" $((bytes / 1048576))
  python3 - "${homes[0]}/logs/platform.log" <<'PHASES'
import re, statistics, sys
rows = [m.groups() for m in re.finditer(r'committed at .*?paused \d+ ms: freeze (\d+) ms, drain (\d+) ms, dump (\d+) ms\)', open(sys.argv[1]).read())]
if rows:
    med = [statistics.median(int(r[i]) for r in rows) for i in range(3)]
    print('  phases (median)      freeze %.0f ms, drain %.0f ms (with settle and hand-over), dump %.0f ms' % tuple(med))
PHASES
  kc=$(q 0 checkpoint bring --kill --json)
  folder=$(echo "$kc" | json '["checkpoint"]')
  printf 'checkpoint (--kill)    %s ms, job paused %s ms\n' "$(echo "$kc" | json '["millis"]')" "$(echo "$kc" | json '["pauseMillis"]')"
  counts_now before
  t0=$(now_ms); q 0 restart bring --json >/dev/null; t1=$(now_ms)
  every_rank_gets before 1; t2=$(now_ms)
  printf 'restart                %s ms (command); every rank had its next message %s ms after the restart began\n' $((t1 - t0)) $((t2 - t0))

  if [ "$n" -gt 1 ]; then
    last=$((n - 1))
    stop_ring; rm -f "$work"/data/rank*.fail
    counts_now before
    t0=$(now_ms)
    moved=$(q 0 restart "$folder" --host-map "node$last=node0" --files keep --json)
    t1=$(now_ms)
    every_rank_gets before 1; t2=$(now_ms)
    read -r cbytes cms <<< "$(echo "$moved" | python3 -c "
import json,re,sys
w=' '.join(json.load(sys.stdin)['warnings']); m=re.search(r'copied from host \S+ to host \S+ \((\d+) bytes in (\d+) ms', w)
print(m.group(1), m.group(2)) if m else print(0, 0)")"
    # the same files, plain: one TCP connection from the last namespace to the first, no encryption, no digest
    part="${homes[$last]}/store/$(basename "$(dirname "$folder")")/$(basename "$folder")/node$last"
    [ -d "$part" ] || { echo "no part of node$last at $part" >&2; exit 1; }
    ip netns exec "${namespaces[0]}" python3 -c "
import socket
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('10.232.$n.1', 7741)); s.listen(1)
open('$work/plain.ready','w').close(); c,_=s.accept(); n=0
with open('$work/plain.copy','wb') as f:
    while True:
        b=c.recv(1<<20)
        if not b: break
        f.write(b); n+=len(b)
print(n)" > "$work/plain.n" &
    rx=$!
    for _ in $(seq 400); do [ -e "$work/plain.ready" ] && break; sleep 0.01; done
    p0=$(now_ms)
    ip netns exec "${namespaces[$last]}" python3 -c "
import os,socket,sys
s=socket.create_connection(('10.232.$n.1', 7741))
for d,_,fs in os.walk('$part'):
    for f in sorted(fs):
        with open(os.path.join(d,f),'rb') as h:
            while True:
                b=h.read(1<<20)
                if not b: break
                s.sendall(b)
s.close()"
    wait $rx; p1=$(now_ms)
    rm -f "$work/plain.ready" "$work/plain.copy"
    pbytes=$(cat "$work/plain.n")
    printf 'migration copy         %s MiB in %s ms = %s MiB/s (TLS through the coordinator, SHA-256 checked, fsynced)\n' \
      $((cbytes / 1048576)) "$cms" "$(rate "$cbytes" "$cms")"
    printf 'plain copy             %s MiB in %s ms = %s MiB/s (one TCP connection between the same namespaces)\n' \
      $((pbytes / 1048576)) $((p1 - p0)) "$(rate "$pbytes" $((p1 - p0)))"
    printf 'restart --host-map     %s ms (command, with the copy); every rank had its next message %s ms after it began\n' $((t1 - t0)) $((t2 - t0))
  fi
  stop_ring
  teardown
done
