package io.github.bootimage.process;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/**
 * The one way bootimage waits (awaitility, set up once): poll a condition in the calling thread, at
 * once and then every interval, until it holds, the time is up, or something makes it impossible. The
 * caller builds its own message from the outcome; an exception the condition throws propagates.
 */
public final class Waits {
    private Waits() {
    }

    /** How a wait ended. */
    public enum Outcome {
        /** The condition held. */
        MET,
        /** The time was up first. */
        TIMED_OUT,
        /** {@code impossible} said it can no longer happen (the guest stopped, a state that does not change). */
        IMPOSSIBLE
    }

    /**
     * @param what       what is awaited, for awaitility's own logs ("sshd of machine bi-debian-1a2b3c")
     * @param timeout    how long it may take
     * @param interval   the pause between two polls
     * @param impossible checked before each poll: true ends the wait at once
     * @param condition  polled until it returns true
     */
    public static Outcome until(String what, Duration timeout, Duration interval, BooleanSupplier impossible,
                                Callable<Boolean> condition) {
        try {
            Awaitility.await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(interval).pollInSameThread()
                    .failFast(what + " cannot happen anymore", impossible::getAsBoolean)
                    .until(condition);
            return Outcome.MET;
        } catch (TerminalFailureException e) {
            return Outcome.IMPOSSIBLE;
        } catch (ConditionTimeoutException e) {
            return Outcome.TIMED_OUT;
        }
    }
}
