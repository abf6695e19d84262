package io.github.bootimage.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.BootImage;
import io.github.bootimage.CommandFailedException;
import io.github.bootimage.Machine;

/** Machine's waits on a local machine: met, timed out with the last attempt, and impossible once the machine is gone. */
class MachineWaitsTest {

    @TempDir
    Path cache;

    @BootImage
    static class Waits {
        @Test
        void aCommandThatSucceedsLater(Machine m) {
            m.succeed("sh", "-c", "(sleep 0.5; touch ready) >/dev/null 2>&1 &");
            assertEquals("", m.waitUntilSucceeds(Duration.ofSeconds(20), "test", "-e", "ready"));
        }

        @Test
        void aCommandThatNeverSucceeds(Machine m) {
            CommandFailedException e = assertThrows(CommandFailedException.class,
                    () -> m.waitUntilSucceeds(Duration.ofMillis(600), "sh", "-c", "echo not yet; exit 1"));
            assertTrue(e.getMessage().startsWith("Waited for [sh -c 'echo not yet; exit 1'] to succeed on " + m.name()
                    + " for 600 ms: last attempt: exit code 1"), e.getMessage());
            assertTrue(e.getMessage().contains("not yet"), e.getMessage());
        }

        @Test
        void aPortNobodyListensOn(Machine m) {
            CommandFailedException e = assertThrows(CommandFailedException.class, () -> m.waitForPort(9, Duration.ofMillis(500)));
            assertEquals("Waited for port 9 to accept connections on " + m.name() + " for 500 ms: nothing listens on port 9",
                    e.getMessage());
        }
    }

    @Test
    void waitsThroughTheEngine() {
        new LocalRun(cache).run(Waits.class).testEvents().assertStatistics(s -> s.succeeded(3).failed(0));
    }
}
