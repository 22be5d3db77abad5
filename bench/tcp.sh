#!/usr/bin/env bash
# Benchmark of TCP jobs through bin/quiesce (not a test: it prints figures), with the ring of
# bundles/fabric-tcp/src/test/c/ring00.c: K ranks pass a 64 KiB token round a TCP ring on 127.0.0.1, every byte checked.
# For each K (default 4 8):
#  (a) ring throughput without the platform (MB/s and hops/s as the ring measures them: rank 0's first send to the
#      check of the last hop);
#  (b) the same ring launched through `bin/quiesce launch` with the platform running, never checkpointed; the ratio
#      b/a is printed (target >= 0.99). (a) and (b) alternate, ROUNDS times each; the medians are compared;
#  (c) a longer ring checkpointed while it runs (checkpoint time and application pause from `checkpoint --json`),
#      then checkpointed with --kill and restarted (wall time of `bin/quiesce restart`, and the engine's time from
#      the platform log); the restored ring must finish with "ring ok hops=H" and exit status 0. When the platform
#      refuses the checkpoint (no fabric for TCP yet), this prints "checkpoint failed: <message>" and goes on.
# Usage: bench/tcp.sh [K...]   (build first: mvn -q package -DskipTests)
# Environment: HOPS (per run of a/b, default 100000), ROUNDS (default 5), CKPT_HOPS (for c, default 1000000),
# MSGSIZE (default 65536).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ks=("$@"); [ ${#ks[@]} -gt 0 ] || ks=(4 8)
hops=${HOPS:-100000}
rounds=${ROUNDS:-5}
ckpt_hops=${CKPT_HOPS:-1000000}
msg=${MSGSIZE:-65536}
work=$(mktemp -d /tmp/quiesce-bench-tcp.XXXXXX)
export QUIESCE_HOME=$work/home
q() { "$root/bin/quiesce" "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# job roots we started (killing a job's root ends the whole job); ended by PID at exit
roots=()
cleanup() {
  for p in "${roots[@]}"; do kill "$p" 2>/dev/null || true; done
  q stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

ring=$work/ring00
gcc -std=c11 -O2 -Wall -Werror -o "$ring" "$root/bundles/fabric-tcp/src/test/c/ring00.c"
# wait_for PATTERN FILE SECONDS
wait_for() { for _ in $(seq $(( $3 * 10 ))); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done; echo "timed out waiting for '$1' in $2" >&2; return 1; }
# figure FILE FIELD: from the ring's "ring K=.. time=S s X MB/s Y hops/s" line, FIELD = MB/s | hops/s | time
figure() { sed -nE 's/^ring K=.* time=([0-9.]+) s ([0-9.]+) MB\/s ([0-9.]+) hops\/s.*/\1 \2 \3/p' "$1" | tail -1 |
  awk -v f="$2" '{ print (f == "time" ? $1 : f == "MB/s" ? $2 : $3) }'; }
best() { printf '%s\n' "$@" | sort -g | tail -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
job_root() { q jobs "$1" --json | json '[0]["rootPid"]'; }
exit_status() { # waits up to 60 s for the job's exit status
  for _ in $(seq 600); do s=$(q jobs "$1" --json | json '[0]["exitStatus"]'); [ "$s" != None ] && { echo "$s"; return 0; }; sleep 0.1; done
  echo "none"
}

plain() { # plain K HOPS OUTFILE: prints MB/s
  "$ring" "$1" "$2" "$msg" "$3" >/dev/null
  grep -q "^ring ok hops=$2\$" "$3" || { echo "plain ring K=$1 failed: $(tail -2 "$3")" >&2; return 1; }
  figure "$3" MB/s
}
launched() { # launched K HOPS OUTFILE: prints MB/s
  local job
  job=$(q launch --json --name "ring$1-$RANDOM" -- "$ring" "$1" "$2" "$msg" "$3" | json '["job"]')
  wait_for "^ring ok hops=\|^ring FAIL" "$3" 600
  grep -q "^ring ok hops=$2\$" "$3" || { echo "launched ring K=$1 failed: $(tail -2 "$3")" >&2; return 1; }
  [ "$(exit_status "$job")" = 0 ] || { echo "launched ring K=$1: job $job exit status $(exit_status "$job")" >&2; return 1; }
  figure "$3" MB/s
}

q start >/dev/null
log=$QUIESCE_HOME/logs/platform.log

echo "== (a) plain vs (b) launched through the platform, no checkpoint: msgsize=$msg hops=$hops, $rounds rounds, medians"
printf '%-3s %12s %12s %14s %14s %8s %10s   %s\n' K plain_MB/s launch_MB/s plain_hops/s launch_hops/s ratio best_ratio "runs plain | launched (MB/s)"
for k in "${ks[@]}"; do
  a=(); b=()
  for r in $(seq "$rounds"); do
    a+=("$(plain "$k" "$hops" "$work/plain-$k-$r.txt")")
    b+=("$(launched "$k" "$hops" "$work/launch-$k-$r.txt")")
  done
  ma=$(median "${a[@]}"); mb=$(median "${b[@]}")
  printf '%-3s %12.1f %12.1f %14.0f %14.0f %8.3f %10.3f   %s | %s\n' "$k" "$ma" "$mb" "$(awk -v m="$ma" -v s="$msg" 'BEGIN { print m * 1e6 / s }')" \
    "$(awk -v m="$mb" -v s="$msg" 'BEGIN { print m * 1e6 / s }')" "$(awk -v a="$ma" -v b="$mb" 'BEGIN { print b / a }')" \
    "$(awk -v a="$(best "${a[@]}")" -v b="$(best "${b[@]}")" 'BEGIN { print b / a }')" "${a[*]}" "${b[*]}"
done
echo "ratio = launched / plain of the medians, best_ratio = of the fastest runs (target >= 0.99; other load on the"
echo "machine only slows runs down, so best_ratio is the better estimate when the run-to-run spread is large)"

# Warm-up: one small checkpoint cycle, so JNA loading and the JIT are not counted in the first K's figures.
warm=$(q launch --json --name warmup -- sleep 600 | json '["job"]')
roots+=("$(job_root "$warm")")
sleep 0.5
q checkpoint "$warm" --kill >/dev/null 2>&1 && q restart "$warm" >/dev/null 2>&1 && roots+=("$(job_root "$warm")") || true
kill "$(job_root "$warm")" 2>/dev/null || true

echo
echo "== (c) checkpoint of a running ring (continue), then checkpoint --kill and restart: msgsize=$msg hops=$ckpt_hops"
printf '%-3s %9s %9s %10s %12s %11s %12s %s\n' K ckpt_ms pause_ms image_MiB kill_ckpt_ms restart_ms engine_ms result
for k in "${ks[@]}"; do
  out=$work/ckpt-$k.txt
  job=$(q launch --json --name "ckpt$k" -- "$ring" "$k" "$ckpt_hops" "$msg" "$out" | json '["job"]')
  roots+=("$(job_root "$job")")
  wait_for "^hop " "$out" 120 || { echo "K=$k the ring did not start: $(tail -2 "$out" 2>/dev/null)"; continue; }
  if ! c=$(q checkpoint "$job" --json 2>"$work/err"); then
    echo "K=$k checkpoint failed: $(tr '\n' ' ' <"$work/err")"
    kill "$(job_root "$job")" 2>/dev/null || true
    continue
  fi
  total=$(echo "$c" | json '["millis"]'); pause=$(echo "$c" | json '["pauseMillis"]'); bytes=$(echo "$c" | json '["bytes"]')
  if grep -q "^ring ok\|^ring FAIL" "$out"; then
    echo "K=$k the ring ended before the checkpoint --kill; raise CKPT_HOPS"; continue
  fi
  t0=$(ms)
  if ! q checkpoint "$job" --kill --json >/dev/null 2>"$work/err"; then
    echo "K=$k checkpoint --kill failed: $(tr '\n' ' ' <"$work/err")"
    kill "$(job_root "$job")" 2>/dev/null || true
    continue
  fi
  t1=$(ms)
  hop_at_kill=$(grep "^hop " "$out" | tail -1 | awk '{ print $2 }')
  n0=$(wc -l <"$log")
  t2=$(ms)
  if ! q restart "$job" --json >/dev/null 2>"$work/err"; then
    echo "K=$k restart failed: $(tr '\n' ' ' <"$work/err")"
    continue
  fi
  t3=$(ms)
  roots+=("$(job_root "$job")")
  engine=$(tail -n +$((n0 + 1)) "$log" | sed -nE 's/.* restored as .* ([0-9]+) ms in all.*/\1/p' | sort -n | tail -1); engine=${engine:--}
  if wait_for "^ring ok hops=\|^ring FAIL" "$out" 600 && grep -q "^ring ok hops=$ckpt_hops\$" "$out"; then
    st=$(exit_status "$job")
    [ "$st" = 0 ] && result="ring ok hops=$ckpt_hops (killed near hop $hop_at_kill; exit 0; $(figure "$out" MB/s) MB/s overall)" \
                  || result="ring finished but job exit status $st"
  else
    result="FAILED: $(grep -E 'MISMATCH|FAIL|failed' "$out" | head -3 | tr '\n' ' ')"
  fi
  printf '%-3s %9s %9s %10.1f %12s %11s %12s %s\n' "$k" "$total" "$pause" "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')" \
    "$((t1 - t0))" "$((t3 - t2))" "$engine" "$result"
  rm -rf "$QUIESCE_HOME/store/$job"
done
echo "kill_ckpt_ms and restart_ms: wall time of bin/quiesce checkpoint --kill / restart, including the client JVM's start;"
echo "engine_ms: the longest per-process restore time (\"ms in all\") in the platform log for that restart"
