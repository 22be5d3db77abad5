"""mpiring00.py: the ring of mpiring00.c in Python with mpi4py (Debian's python3-mpi4py, over Open MPI).

A token of SIZE bytes goes round HOPS times; hop h is sent by rank h%K to rank (h+1)%K and carries h and a payload
derived from h, which its receiver checks byte for byte, with its hops arriving in sequence. Rank 0 waits DELAY_US
before each hop it sends. Every EVERY hops (default HOPS/100) the receiving rank prints "hop N rank R"; at the end
rank 0 sums the ranks' counts and prints "pyring ok hops=N" (exit 0) or "pyring MISMATCH ..." (exit 3).
Usage: mpirun -n K python3 mpiring00.py HOPS [SIZE [DELAY_US [EVERY]]]   (SIZE >= 8)
"""
import hashlib
import sys
import time

from mpi4py import MPI


def payload(h, size):
    head = h.to_bytes(8, "little")
    seed = hashlib.sha256(head).digest()
    return (head + seed * (size // len(seed) + 1))[:size]


def main():
    comm = MPI.COMM_WORLD
    rank, k = comm.Get_rank(), comm.Get_size()
    hops = int(sys.argv[1])
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 4096
    delay = int(sys.argv[3]) / 1e6 if len(sys.argv) > 3 else 0.0
    every = int(sys.argv[4]) if len(sys.argv) > 4 else max(1, hops // 100)
    nxt, prv = (rank + 1) % k, (rank - 1) % k
    buf = bytearray(size)
    received, bad = 0, []
    if rank == 0 and hops > 0:
        comm.Send([payload(0, size), MPI.BYTE], dest=nxt, tag=1)
    h = (rank - 1) % k  # the first hop this rank receives
    while h < hops:
        comm.Recv([buf, MPI.BYTE], source=prv, tag=1)
        got = int.from_bytes(buf[:8], "little")
        if got != h or buf != payload(h, size):
            bad.append("hop %d rank %d: got header %d or a wrong payload" % (h, rank, got))
        received += 1
        if h % every == 0:
            print("hop %d rank %d" % (h, rank), flush=True)
        if h + 1 < hops:
            if rank == 0 and delay:
                time.sleep(delay)
            comm.Send([payload(h + 1, size), MPI.BYTE], dest=nxt, tag=1)
        h += k
    total = comm.reduce(received, op=MPI.SUM, root=0)
    problems = comm.gather(bad[:3], root=0)
    if rank == 0:
        flat = [p for ps in problems for p in ps]
        if total == hops and not flat:
            print("pyring ok hops=%d" % total, flush=True)
        else:
            print("pyring MISMATCH hops=%d of %d: %s" % (total, hops, "; ".join(flat[:5])), flush=True)
            sys.exit(3)


main()
