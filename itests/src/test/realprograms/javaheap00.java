// javaheap00: a plain JVM program (java javaheap00.java) holding a 256 MiB heap it checks: 64 blocks of 4 MiB (long[])
// owned by 4 worker threads; on each tick a worker rewrites one of its blocks with the tick's generation and checks all
// of its blocks against their generations. The main thread prints "tick=N" (every worker done with tick N) and after
// TICKS ticks "javaheap ok ticks=N" (exit 0), or "javaheap MISMATCH ..." (exit 3).
// Usage: java -Xmx600m javaheap00.java TICKS [DELAY_MS]   (DELAY_MS between ticks, default 20)
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

public class javaheap00 {
    static final int BLOCKS = 64, LONGS = 512 * 1024, WORKERS = 4;
    static final long[][] heap = new long[BLOCKS][];
    static final int[] generation = new int[BLOCKS];
    static final AtomicLong bad = new AtomicLong();

    static long word(int block, int i, int gen) {
        long x = (block + 1L) * 0x9E3779B97F4A7C15L ^ (long) i * 0xBF58476D1CE4E5B9L ^ gen * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    static void write(int block, int gen) {
        long[] b = heap[block];
        for (int i = 0; i < LONGS; i++) b[i] = word(block, i, gen);
        generation[block] = gen;
    }

    static void check(int block) {
        long[] b = heap[block];
        int gen = generation[block];
        for (int i = 0; i < LONGS; i++) {
            if (b[i] != word(block, i, gen)) {
                if (bad.getAndIncrement() < 5) System.out.println("javaheap MISMATCH block=" + block + " index=" + i);
                return;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int ticks = Integer.parseInt(args[0]);
        long delay = args.length > 1 ? Long.parseLong(args[1]) : 20;
        for (int b = 0; b < BLOCKS; b++) {
            heap[b] = new long[LONGS];
            write(b, 0);
        }
        CyclicBarrier start = new CyclicBarrier(WORKERS + 1), done = new CyclicBarrier(WORKERS + 1);
        for (int w = 0; w < WORKERS; w++) {
            int me = w;
            Thread t = new Thread(() -> {
                try {
                    for (int tick = 1; tick <= ticks; tick++) {
                        start.await();
                        int per = BLOCKS / WORKERS;
                        write(me * per + tick % per, tick);
                        for (int b = me * per; b < (me + 1) * per; b++) check(b);
                        done.await();
                    }
                } catch (Exception e) {
                    System.out.println("javaheap MISMATCH worker " + me + ": " + e);
                    System.exit(3);
                }
            }, "worker-" + w);
            t.setDaemon(true);
            t.start();
        }
        System.out.println("javaheap start pid=" + ProcessHandle.current().pid() + " heapMiB="
                + (long) BLOCKS * LONGS * 8 / (1 << 20) + " maxMiB=" + Runtime.getRuntime().maxMemory() / (1 << 20));
        for (int tick = 1; tick <= ticks; tick++) {
            start.await();
            done.await();
            System.out.println("tick=" + tick + " bad=" + bad.get());
            Thread.sleep(delay);
        }
        boolean ok = bad.get() == 0;
        System.out.println(ok ? "javaheap ok ticks=" + ticks : "javaheap MISMATCH bad=" + bad.get());
        System.exit(ok ? 0 : 3);
    }
}
