# redisfill00: a Redis client over a Unix socket (RESP by hand, no library): SETs key:N = a value derived from N, one
# key per millisecond or so; every 500 keys checks DBSIZE and a sample of earlier keys and prints "redis keys=N ok";
# at the end checks every key, sends SHUTDOWN NOSAVE, waits for its server (its child) and prints "redis ok keys=N".
# Usage: python3 redisfill00.py SOCKET KEYS
import os
import socket
import sys
import time

path, keys = sys.argv[1], int(sys.argv[2])


def connect():
    for _ in range(500):  # the server is starting: up to 10 s
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.02)
    sys.exit(f"redis MISMATCH no server at {path}")


sock = connect()
stream = sock.makefile("rb")


def command(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    return reply()


def reply():
    line = stream.readline()
    if not line:
        raise EOFError("redis MISMATCH EOF from the server")
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b"-"):
        return rest.decode()
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = stream.read(n + 2)
        return data[:-2].decode()
    if kind == b"*":
        return [reply() for _ in range(int(rest))]
    raise ValueError(f"redis MISMATCH reply {line!r}")


def value(n):
    return f"v{n}-{n * 2654435761 % 4294967296:08x}" + "x" * (n % 50)


bad = 0
print(f"redis start pid={os.getpid()} server={command('INFO', 'server').split('process_id:')[1].split()[0]}", flush=True)
for n in range(keys):
    if command("SET", f"key:{n}", value(n)) != "OK":
        bad += 1
    if n % 500 == 499:
        size = command("DBSIZE")
        sample = [0, n // 3, n // 2, n]
        got = command("MGET", *[f"key:{k}" for k in sample])
        ok = size == n + 1 and got == [value(k) for k in sample]
        bad += not ok
        print(f"redis keys={n + 1} ok" if ok else f"redis keys={n + 1} MISMATCH dbsize={size}", flush=True)
    if n % 10 == 9:
        time.sleep(0.01)
for start in range(0, keys, 1000):
    ks = range(start, min(keys, start + 1000))
    if command("MGET", *[f"key:{k}" for k in ks]) != [value(k) for k in ks]:
        bad += 1
        print(f"redis MISMATCH in keys {start}..", flush=True)
size = command("DBSIZE")
try:
    command("SHUTDOWN", "NOSAVE")
except EOFError:
    pass  # the server closes the connection as it ends
os.wait()
ok = bad == 0 and size == keys
print(f"redis ok keys={keys}" if ok else f"redis MISMATCH bad={bad} dbsize={size}", flush=True)
sys.exit(0 if ok else 3)
