#!/usr/bin/env bash
# What a process tree holds, as the checkpoint engine sees it (not a test: it prints an inventory).
# For PID and all its descendants: threads, whether the process is stopped (group stop "T", or a tracer's stop "t"),
# every descriptor's kind (from its /proc/PID/fd link and fdinfo: pipe and FIFO with their access mode, socket family and type from the
# process's own /proc/PID/net tables, eventpoll, eventfd, timerfd, signalfd, inotify, fanotify, pidfd, other anon
# inodes, pty master/slave, other devices, directories, O_PATH, memfd, deleted files, regular files), its MAP_SHARED
# mappings (SysV segments, memfds, deleted files, /dev/zero, files) and its SysV attachments.
# Usage: bench/inventory.sh [-v] PID     -v: one line per descriptor and per shared mapping; without: counts.
# Run as root, or as the processes' user (someone else's /proc/PID/fd is unreadable).
set -euo pipefail
verbose=0
[ "${1:-}" = "-v" ] && { verbose=1; shift; }
[ $# -eq 1 ] && [ -d "/proc/$1" ] || { echo "usage: $0 [-v] PID   (a live process)" >&2; exit 2; }

# the tree, parents before children (children of every thread)
tree() {
  echo "$1"
  local t c
  for t in /proc/"$1"/task/*; do
    for c in $(cat "$t/children" 2>/dev/null); do tree "$c"; done
  done
}

# socket inode -> "unix-stream" etc., from the network namespace of process $1
declare -A sockkind
socket_table() {
  sockkind=()
  local net=/proc/$1/net line inode st
  # /proc/net/unix: Num RefCount Protocol Flags Type St Inode Path; Type 1 stream, 2 dgram, 5 seqpacket
  while read -r _ _ _ _ type st inode path; do
    case $type in 0001) k=stream ;; 0002) k=dgram ;; 0005) k=seqpacket ;; *) k=type$type ;; esac
    [ "$st" = 01 ] && [ "$k" = stream ] && [ -n "${path:-}" ] && k="$k-listen"
    sockkind[$inode]="unix-$k${path:+ $path}"
  done < <(tail -n +2 "$net/unix" 2>/dev/null)
  # tcp, udp, raw: field 10 is the inode; TCP state 0A is LISTEN
  for proto in tcp tcp6 udp udp6 raw raw6 udplite udplite6; do
    [ -r "$net/$proto" ] || continue
    while read -r _ local remote st _ _ _ _ _ inode _; do
      k=$proto; [ "$st" = 0A ] && [[ $proto == tcp* ]] && k="$proto-listen"
      sockkind[$inode]="$k $local->$remote"
    done < <(tail -n +2 "$net/$proto")
  done
  while read -r _ proto _ _ _ _ _ _ inode _; do
    sockkind[$inode]="netlink-$proto"
  done < <(tail -n +2 "$net/netlink" 2>/dev/null)
  while read -r _ _ _ _ _ _ _ _ inode _; do
    sockkind[$inode]="packet"
  done < <(tail -n +2 "$net/packet" 2>/dev/null)
}

fdkind() { # pid fd -> kind
  local p=$1 fd=$2 link flags kind
  link=$(readlink "/proc/$p/fd/$fd" 2>/dev/null) || { echo "gone"; return; }
  flags=$(sed -n 's/^flags:\t*//p' "/proc/$p/fdinfo/$fd" 2>/dev/null || echo 0)
  if (( (8#${flags:-0} & 8#10000000) != 0 )); then echo "O_PATH $link"; return; fi
  local acc; case $(( 8#${flags:-0} & 3 )) in 0) acc=r ;; 1) acc=w ;; *) acc=rw ;; esac
  case $link in
    pipe:*) echo "pipe($acc) ${link#pipe:}" ;;
    socket:*) local ino=${link#socket:[}; ino=${ino%]}; echo "socket ${sockkind[$ino]:-unknown(inode $ino)}" ;;
    anon_inode:\[eventpoll\]) echo "eventpoll($(grep -c '^tfd:' "/proc/$p/fdinfo/$fd") watched)" ;;
    anon_inode:\[eventfd\]) echo eventfd ;;
    anon_inode:\[timerfd\]) echo "timerfd($(sed -n 's/^clockid: *//p' "/proc/$p/fdinfo/$fd"))" ;;
    anon_inode:\[signalfd\]) echo signalfd ;;
    anon_inode:inotify) echo "inotify($(grep -c '^inotify' "/proc/$p/fdinfo/$fd") watches)" ;;
    anon_inode:\[fanotify\]) echo fanotify ;;
    anon_inode:\[pidfd\]) echo pidfd ;;
    anon_inode:*) echo "anon_inode ${link#anon_inode:}" ;;
    /memfd:*) echo "memfd ${link#/memfd:}" ;;
    /dev/ptmx|/dev/pts/ptmx) echo "pty-master" ;;
    /dev/pts/*) echo "pty-slave $link" ;;
    *' (deleted)') echo "deleted-file ${link% (deleted)}" ;;
    /*) kind=$(stat -L -c %F "/proc/$p/fd/$fd" 2>/dev/null || echo '?')
        case $kind in
          directory) echo "dir $link" ;;
          fifo) echo "fifo($acc) $link" ;;
          'character special file') echo "chardev $link" ;;
          'block special file') echo "blockdev $link" ;;
          *) echo "file $link" ;;
        esac ;;
    *) echo "other $link" ;;
  esac
}

for p in $(tree "$1"); do
  [ -d "/proc/$p" ] || continue
  socket_table "$p"
  comm=$(cat "/proc/$p/comm")
  state=$(sed -n 's/^State:\t//p' "/proc/$p/status")
  threads=$(sed -n 's/^Threads:\t//p' "/proc/$p/status")
  tracer=$(sed -n 's/^TracerPid:\t//p' "/proc/$p/status")
  stopped=no
  case $state in T*) stopped=group-stop ;; t*) stopped=trace-stop ;; esac
  nsp=$(sed -n 's/^NSpid:\t//p' "/proc/$p/status" | tr '\t' /)
  echo "== pid $p ($comm) nspid=$nsp ppid=$(sed 's/.*) //' "/proc/$p/stat" | cut -d' ' -f2) threads=$threads stopped=$stopped tracer=$tracer"
  declare -A counts=()
  for f in /proc/"$p"/fd/*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    fd=${f##*/}
    k=$(fdkind "$p" "$fd")
    if [ $verbose = 1 ]; then printf '   fd %-4s %s\n' "$fd" "$k"; fi
    # counts by kind without the names (paths, addresses) that follow the first word(s)
    case $k in
      socket*) key=$(echo "$k" | awk '{print $1" "$2}') ;;
      *) key=${k%% *}; key=${key%%(*} ;;
    esac
    counts[$key]=$(( ${counts[$key]:-0} + 1 ))
  done
  if [ $verbose = 0 ]; then
    line=""
    for k in "${!counts[@]}"; do line+="${counts[$k]}x $k, "; done
    echo "   fds: ${line%, }"
  fi
  unset counts
  # shared mappings: perms field has "s"; SysV segments are "/SYSV%08x (deleted)"
  shared=$(awk '$2 ~ /s$/ { p=""; for (i=6;i<=NF;i++) p=p (i>6?" ":"") $i; if (p=="") p="[anonymous]"; print p }' "/proc/$p/maps" | sort | uniq -c)
  if [ -n "$shared" ]; then
    if [ $verbose = 1 ]; then echo "$shared" | sed 's/^ */   MAP_SHARED x/'; else
      echo "   MAP_SHARED: $(echo "$shared" | awk '{c=$1; $1=""; printf "%s%s x%s", (n++?", ":""), substr($0,2), c}')"
    fi
  fi
  sysv=$(awk '$6 ~ /^\/SYSV/ {print $6}' "/proc/$p/maps" | sort -u | tr '\n' ' ')
  [ -z "$sysv" ] || echo "   SysV shm attached: $sysv"
done
