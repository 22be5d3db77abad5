#!/bin/sh
# cr_restart_double.sh: a test double of BLCR's cr_restart. Records its PID and argv (one argument per line) in
# $CR_RESTART_DOUBLE_LOG, then behaves as $CR_RESTART_DOUBLE_MODE says:
#   ok (default)      start a "restarted" process (sleep), SIGSTOP it when --stop is given, run the success hook,
#                     then wait for it and exit with its status, as cr_restart does
#   pid-taken         with --restore-pid: run the fail-temp hook, print cr_restart's message, exit 16 (EBUSY);
#                     with --no-restore-pid: like ok
#   corrupt           run the fail-perm hook, print the message, exit 22 (EINVAL)
#   hang              never report anything
#   vanish            run the success hook and exit 0 without a child, as cr_restart does when the restarted
#                     root is not its child
log=${CR_RESTART_DOUBLE_LOG:?}
{ echo "pid $$"; for a in "$@"; do printf 'arg %s\n' "$a"; done; echo "end"; } >> "$log"
success=; temp=; perm=; restore_pid=yes; stop=no; last=
for a in "$@"; do
  case "$a" in
    --run-on-success=*) success=${a#--run-on-success=} ;;
    --run-on-fail-temp=*) temp=${a#--run-on-fail-temp=} ;;
    --run-on-fail-perm=*) perm=${a#--run-on-fail-perm=} ;;
    --restore-pid) restore_pid=yes ;;
    --no-restore-pid) restore_pid=no ;;
    --stop) stop=yes ;;
  esac
  last=$a
done
if [ ! -r "$last" ]; then
  echo "Failed to open($last, O_RDONLY): No such file or directory" >&2
  exit 2
fi
case "${CR_RESTART_DOUBLE_MODE:-ok}" in
  pid-taken)
    if [ "$restore_pid" = yes ]; then
      sh -c "$temp"
      echo "Restart failed: Device or resource busy" >&2
      exit 16
    fi ;;
  corrupt)
    sh -c "$perm"
    echo "Restart failed: Invalid argument" >&2
    exit 22 ;;
  hang)
    sleep 300
    exit 1 ;;
  vanish)
    sh -c "$success"
    exit 0 ;;
esac
sleep 300 &
child=$!
if [ "$stop" = yes ]; then kill -STOP "$child"; fi
sh -c "$success"
wait "$child"
exit $?
