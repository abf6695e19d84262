package io.github.bootimage.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.BootImage;
import io.github.bootimage.CommandFailedException;
import io.github.bootimage.CommandTimeoutException;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.Machine;

/** Failures carry their machine, command, result and duration as fields, on local machines through the engine. */
class StructuredFailuresTest {

    @TempDir
    Path cache;

    static volatile Machine kept;

    @BootImage
    static class Fixture {
        @Test
        void aFailedSucceed(Machine m) {
            CommandFailedException e = assertThrows(CommandFailedException.class,
                    () -> m.succeed("sh", "-c", "echo partial; echo oops >&2; exit 4"));
            assertEquals(m.name(), e.machine());
            assertEquals("sh -c 'echo partial; echo oops >&2; exit 4'", e.command());
            assertEquals(4, e.result().exitCode());
            assertEquals("partial\n", e.result().stdout());
            assertEquals("oops\n", e.result().stderr());
            assertEquals(e.result().duration(), e.duration());
            assertTrue(e.getMessage().startsWith("Command [sh -c 'echo partial; echo oops >&2; exit 4'] on machine "
                    + m.name() + " (debian:bookworm, nspawn, over console) exited with code 4, expected exit code 0, after "),
                    e.getMessage());
        }

        @Test
        void aTimeout(Machine m) {
            CommandTimeoutException e = assertThrows(CommandTimeoutException.class, () -> m.exec(
                    ExecRequest.of("sh", "-c", "echo started; exec sleep 30").withTimeout(Duration.ofMillis(500))));
            assertEquals(m.name(), e.machine());
            assertEquals("sh -c 'echo started; exec sleep 30'", e.command());
            assertEquals(Duration.ofMillis(500), e.timeout());
            assertNotNull(e.partial(), "what arrived before the kill");
            assertEquals("started\n", e.partial().stdout());
            assertTrue(e.getMessage().startsWith("Command [sh -c 'echo started; exec sleep 30'] on machine " + m.name()
                    + " (agent channel) timed out after 500 ms and was killed; the machine is still usable."), e.getMessage());
            assertTrue(e.getMessage().endsWith("Output so far:\nstdout:\n  started\n  \nstderr: (empty)"), e.getMessage());
            kept = m;
        }
    }

    @Test
    void failuresCarryTheirParts() {
        new LocalRun(cache).run(Fixture.class).testEvents().assertStatistics(s -> s.succeeded(2).failed(0));
    }

    @Test
    void aClosedMachineNamesItselfAndTheCommandWithNoResult() {
        new LocalRun(cache).run(Fixture.class);
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> kept.exec("true"));
        assertEquals(kept.name(), e.machine());
        assertEquals("true", e.command());
        assertNull(e.result());
        assertNull(e.duration());
    }
}
