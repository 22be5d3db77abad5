#!/usr/bin/python3
"""sortgen00: writes LINES deterministic lines to stdout for sorttar00's sort ("%016x %d %s": a random key, the line
number, a run of y), in CHUNKS chunks with a pause of PAUSE seconds after each, so sort runs long enough to be
checkpointed and killed mid-way (its reading, its threaded sorting of full buffers and its merging all take a while).
Each chunk goes out through os.write in a loop that honours short writes: CPython 3.11's sys.stdout (a
BufferedWriter) drops the rest of a large write that a stop cuts short (a partial write(2) to a full pipe, which any
SIGSTOP or checkpoint freeze causes; measured with plain SIGSTOP/SIGCONT, without Quiesce).
Usage: sortgen00.py [LINES [CHUNKS [PAUSE]]]   (defaults 2500000, 100, 0.05)"""
import os
import random
import sys
import time

lines = int(sys.argv[1]) if len(sys.argv) > 1 else 2500000
chunks = int(sys.argv[2]) if len(sys.argv) > 2 else 100
pause = float(sys.argv[3]) if len(sys.argv) > 3 else 0.05
r = random.Random(7)
per = max(1, lines // chunks)
for start in range(0, lines, per):
    data = "".join("%016x %d %s\n" % (r.getrandbits(64), i, "y" * (i % 40)) for i in range(start, min(lines, start + per))).encode()
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]
    time.sleep(pause)
