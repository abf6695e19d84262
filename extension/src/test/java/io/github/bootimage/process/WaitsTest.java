package io.github.bootimage.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class WaitsTest {
    @Test
    void aConditionThatHoldsOnTheThirdPollIsMet() {
        AtomicInteger polls = new AtomicInteger();
        assertEquals(Waits.Outcome.MET, Waits.until("three polls", Duration.ofSeconds(10), Duration.ofMillis(1),
                () -> false, () -> polls.incrementAndGet() == 3));
        assertEquals(3, polls.get());
    }

    @Test
    void aConditionThatNeverHoldsTimesOut() {
        long start = System.nanoTime();
        assertEquals(Waits.Outcome.TIMED_OUT, Waits.until("never", Duration.ofMillis(300), Duration.ofMillis(10),
                () -> false, () -> false));
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(300).toNanos());
    }

    @Test
    void anImpossibleWaitEndsAtOnce() {
        long start = System.nanoTime();
        assertEquals(Waits.Outcome.IMPOSSIBLE, Waits.until("impossible", Duration.ofSeconds(30), Duration.ofMillis(10),
                () -> true, () -> false));
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
    }

    @Test
    void whatTheConditionThrowsPropagates() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Waits.until("throws",
                Duration.ofSeconds(10), Duration.ofMillis(10), () -> false, () -> {
                    throw new IllegalStateException("the machine was closed");
                }));
        assertEquals("the machine was closed", e.getMessage());
    }
}
