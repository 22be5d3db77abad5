#!/usr/bin/env python3
"""A TCP ring across hosts, for checkpoint tests: rank r streams numbered messages to rank r+1 (mod N) and checks
every message it gets from rank r-1: its number is the next one and every payload byte is what that number makes.

    ring.py DATA PORT RANKS_HERE ADDRS

ADDRS lists every rank's host address (comma-separated, rank order); RANKS_HERE the ranks this process starts
(comma-separated), one child each. Rank r listens on ADDRS[r]:PORT+i, i its index among the ranks of its host (so
every host's ranks use the same ports, as MPI ranks do), connects to its successor, and appends the
number of every message it receives to DATA/rank<r>.txt, one per line. On any mismatch it writes the reason to
DATA/rank<r>.fail and exits 1. Single-threaded (selectors), nonblocking sockets: bytes are in flight in both
directions at any moment.
"""
import os
import selectors
import socket
import struct
import sys
import time

HEADER = struct.Struct("!QI")
PATTERN = bytes(range(256)) * 260  # payload of message n: PATTERN[n % 256 : n % 256 + size(n)]


def size(n):
    return (n * 7919) % 65536 + 16


def fail(data, rank, why):
    with open(os.path.join(data, "rank%d.fail" % rank), "w") as f:
        f.write(why + "\n")
    sys.exit(1)


def port_of(port, rank, addrs):
    return port + addrs[:rank].count(addrs[rank])


def rank_main(data, port, rank, addrs):
    n = len(addrs)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((addrs[rank], port_of(port, rank, addrs)))
    listener.listen(4)
    nxt = (rank + 1) % n
    out = None
    while out is None:  # the successor's host may start later
        s = socket.socket()
        try:
            s.connect((addrs[nxt], port_of(port, nxt, addrs)))
            out = s
        except OSError:
            s.close()
            time.sleep(0.05)
    inp, _ = listener.accept()
    out.setblocking(False)
    inp.setblocking(False)
    log = open(os.path.join(data, "rank%d.txt" % rank), "a", buffering=1)
    sel = selectors.DefaultSelector()
    sel.register(inp, selectors.EVENT_READ)
    sent = 0
    pending = b""
    expect = 1
    got = bytearray()
    next_at = time.monotonic()
    while True:
        if not pending and time.monotonic() >= next_at:
            sent += 1
            k = size(sent)
            pending = HEADER.pack(sent, k) + PATTERN[sent % 256: sent % 256 + k]
            next_at = time.monotonic() + 0.005
        if pending:
            try:
                w = out.send(pending)
                pending = pending[w:]
            except BlockingIOError:
                pass
        for _key, _ev in sel.select(timeout=0.002):
            try:
                chunk = inp.recv(1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                fail(data, rank, "rank %d: its predecessor closed the connection after message %d" % (rank, expect - 1))
            got += chunk
        while len(got) >= HEADER.size:
            seq, k = HEADER.unpack_from(got)
            if seq != expect or k != size(seq):
                fail(data, rank, "rank %d: message %d (size %d) came where %d was expected" % (rank, seq, k, expect))
            if len(got) < HEADER.size + k:
                break
            if got[HEADER.size:HEADER.size + k] != PATTERN[seq % 256: seq % 256 + k]:
                fail(data, rank, "rank %d: the payload of message %d is damaged" % (rank, seq))
            del got[:HEADER.size + k]
            log.write("%d\n" % seq)
            expect += 1


def main():
    data, port, here, addrs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].split(",")
    children = []
    for r in [int(x) for x in here.split(",")]:
        pid = os.fork()
        if pid == 0:
            try:
                rank_main(data, port, r, addrs)
            except SystemExit:
                pass
            except BaseException as e:  # a reset or a broken pipe: say so, the successor only sees the close
                with open(os.path.join(data, "rank%d.fail" % r), "w") as f:
                    f.write("rank %d: %r\n" % (r, e))
            finally:
                os._exit(1)
        children.append(pid)
    for _ in children:
        _pid, status = os.wait()
        if status != 0:
            sys.exit(1)


if __name__ == "__main__":
    main()
