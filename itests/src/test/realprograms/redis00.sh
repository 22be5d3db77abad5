#!/bin/sh
# redis00: redis-server on a Unix socket (no TCP port, no persistence of its own) and, in the same job, redisfill00.py
# writing keys to it and checking them; the writer ends the server (SHUTDOWN NOSAVE) and prints the verdict.
# Usage: redis00.sh FOLDER KEYS   (FOLDER: the socket and the server's files)
set -eu
folder=$1
keys=$2
here=$(dirname "$0")
rm -f "$folder/redis.sock"
/usr/bin/redis-server --port 0 --unixsocket "$folder/redis.sock" --unixsocketperm 700 --save "" --appendonly no \
  --dir "$folder" --daemonize no --logfile "$folder/redis.log" &
exec /usr/bin/python3 "$here/redisfill00.py" "$folder/redis.sock" "$keys"
