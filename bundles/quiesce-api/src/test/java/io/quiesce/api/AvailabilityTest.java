package io.quiesce.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import org.junit.Test;

public class AvailabilityTest {
    @Test
    public void unavailableAlwaysSaysWhy() {
        assertThrows(NullPointerException.class, () -> new Availability(false, null));
        assertEquals("unavailable: no device; no library", Availability.unless(List.of("no device", "no library")).toString());
        assertTrue(Availability.unless(List.of()).available());
        assertEquals("available", Availability.yes().toString());
    }

    @Test
    public void errnoNamesAcceptNegatedResults() {
        assertEquals("ESRCH", Errno.name(3));
        assertEquals("EADDRINUSE", Errno.name(-98));
        assertEquals("errno 4095", Errno.name(4095));
    }
}
