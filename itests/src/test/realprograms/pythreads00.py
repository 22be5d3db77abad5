# pythreads00: CPython threads and queue.Queue: 2 producer threads put ITEMS numbered items per round into a bounded
# queue, 3 consumer threads take them and add them up per round; the main thread waits for each round's last item,
# checks its count and sum against the closed form and that a 1 MiB bytearray still holds its pattern, and prints
# "round=N ok total=T" (or "round=N MISMATCH ..."); after ROUNDS rounds "pythreads ok rounds=N" (exit 0).
# Usage: python3 pythreads00.py ROUNDS [ITEMS]   (ITEMS default 2000)
import os
import queue
import sys
import threading
import time

rounds = int(sys.argv[1])
items = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
producers, consumers = 2, 3
q = queue.Queue(maxsize=256)
lock = threading.Condition()
count = [0] * rounds
total = [0] * rounds
pattern = bytearray((i * 7 + 3) & 0xFF for i in range(1 << 20))
digest = hash(bytes(pattern))


def value(rnd, p, i):
    return rnd * 1000003 + p * 7919 + i


def produce(p):
    for rnd in range(rounds):
        for i in range(items):
            q.put((rnd, p, i))
            if i % 100 == 99:
                time.sleep(0.002)  # a few seconds in all: a checkpoint finds the threads mid-round


def consume():
    while True:
        item = q.get()
        if item is None:
            return
        rnd, p, i = item
        with lock:
            count[rnd] += 1
            total[rnd] += value(rnd, p, i)
            if count[rnd] == producers * items:
                lock.notify_all()


threads = [threading.Thread(target=produce, args=(p,), name=f"producer-{p}") for p in range(producers)]
threads += [threading.Thread(target=consume, name=f"consumer-{c}") for c in range(consumers)]
for t in threads:
    t.start()
print(f"pythreads start pid={os.getpid()} threads={threading.active_count()}", flush=True)
bad = 0
for rnd in range(rounds):
    with lock:
        while count[rnd] < producers * items:
            lock.wait()
    want = sum(value(rnd, p, i) for p in range(producers) for i in range(items))
    ok = total[rnd] == want and hash(bytes(pattern)) == digest
    bad += not ok
    print(f"round={rnd} ok total={total[rnd]}" if ok else f"round={rnd} MISMATCH total={total[rnd]} want={want}", flush=True)
for _ in range(consumers):
    q.put(None)
for t in threads:
    t.join()
print(f"pythreads ok rounds={rounds}" if bad == 0 else f"pythreads MISMATCH bad={bad}", flush=True)
sys.exit(0 if bad == 0 else 3)
