#!/bin/sh
# tmux00: a tmux server on the private socket FOLDER/tmux.sock (no configuration file) with one window running an
# interactive python3; a tmux client in the job waits on the channel "done" (tmux wait-for), then ends the server and
# prints "tmux00 done". "tmux00 ready" once the session exists. Input comes from outside with tmux send-keys.
# Usage: tmux00.sh FOLDER
set -eu
sock=$1/tmux.sock
tmux="/usr/bin/tmux -S $sock -f /dev/null"
$tmux new-session -d -s repl -x 100 -y 30 "/usr/bin/python3 -q -i"
echo "tmux00 ready"
$tmux wait-for done
$tmux kill-server
echo "tmux00 done"
