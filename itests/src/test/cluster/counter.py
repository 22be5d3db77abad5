"""A job piece for the cluster scenarios: holds MIB mebibytes of data it checks, and appends 1, 2, 3, ... to FILE,
one line every few milliseconds, each line written whole with one write. A restart from a checkpoint goes on from the
count it had then, so the file's lines are consecutive exactly when no state was lost or duplicated."""
import hashlib
import os
import sys
import time

path, mib = sys.argv[1], int(sys.argv[2])
block = hashlib.sha256(path.encode()).digest() * (1 << 15)  # 1 MiB of data that depends on the file name
data = bytearray(block) * mib
expect = hashlib.sha256(data).hexdigest()
i = 0
while True:
    i += 1
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, b"%d\n" % i)
    os.close(fd)
    if i % 500 == 0 and hashlib.sha256(data).hexdigest() != expect:
        sys.exit("data changed at line %d" % i)
    time.sleep(0.004)
