package io.quiesce.backend.blcr.linux;

import com.sun.jna.NativeLong;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/** {@code struct timeval} (sys/time.h): two C longs, 16 bytes on x86_64. */
@FieldOrder({ "tv_sec", "tv_usec" })
public class Timeval extends Structure {
    /** +0 time_t: whole seconds. */
    public NativeLong tv_sec;
    /** +8 suseconds_t: microseconds, below one million. */
    public NativeLong tv_usec;

    /** A zero timeout. */
    public Timeval() {
        tv_sec = new NativeLong(0);
        tv_usec = new NativeLong(0);
    }

    /** @param micros a duration in microseconds, split into seconds and microseconds */
    public Timeval(long micros) {
        tv_sec = new NativeLong(micros / 1_000_000);
        tv_usec = new NativeLong(micros % 1_000_000);
    }
}
