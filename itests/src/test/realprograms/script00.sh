#!/bin/sh
# script00: script(1) runs an interactive python3 on a pseudo-terminal of its own; what is typed comes through the FIFO
# FOLDER/input (held open both ways by the job, so a writer from outside may come and go), what the REPL echoes and
# prints goes to the job's output. "script00 ready" once the FIFO is there.
# Usage: script00.sh FOLDER
set -eu
rm -f "$1/input"
mkfifo -m 600 "$1/input"
exec 3<>"$1/input"
echo "script00 ready"
exec /usr/bin/script -qfc "/usr/bin/python3 -q -i" /dev/null <&3 3<&-
