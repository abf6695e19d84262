package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/** A failing test saves the console log and journal and says where; bootimage.keep keeps machines. */
class DiagnosticsIT {

    static volatile Machine used;
    static volatile boolean keptAfterFailure;

    /** Runs after FailingFixture in the same run: whether its machine still answers. */
    static class LaterFixture {
        @Test
        void observes() {
            try {
                keptAfterFailure = used != null && used.exec("true").exitCode() == 0;
            } catch (io.github.bootimage.CommandFailedException closed) {
                keptAfterFailure = false;
            }
        }
    }

    @BootImage(boot = Boot.NSPAWN, transport = Transport.CONSOLE)
    static class FailingFixture {
        @Test
        void fails(Machine machine) {
            used = machine;
            assertEquals("bullseye", machine.osRelease().get("VERSION_CODENAME"), "wrong release");
        }
    }

    Throwable runFixture(Path diag, String keep) {
        used = null;
        keptAfterFailure = false;
        var events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(FailingFixture.class),
                        selectClass(LaterFixture.class))
                .configurationParameter("bootimage.cache.dir", ImageTier.settings().cacheDir().toString())
                .configurationParameter("bootimage.diagnostics.dir", diag.toString())
                .configurationParameter("bootimage.keep", keep)
                .execute().testEvents().failed().stream().toList();
        assertEquals(1, events.size());
        Event e = events.get(0);
        return e.getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow();
    }

    @Test
    void consoleLogAndJournalAreSavedAndTheMessagePointsToThem(@TempDir Path diag) throws Exception {
        Throwable t = runFixture(diag, "never");
        String m = t.getMessage();
        assertTrue(m.startsWith("wrong release ==> expected: <bullseye> but was: <bookworm>"), m);
        assertTrue(m.contains("[bootimage] diagnostics of the failed test:\n  machine " + used.name() + " (debian:bookworm): "), m);
        Path dir = diag.resolve(FailingFixture.class.getName().replace("$", "_")).resolve("fails(Machine)".replaceAll("[^A-Za-z0-9._-]+", "_"))
                .resolve(used.name());
        assertTrue(m.contains(dir.resolve("console.log").toString()), m);
        assertTrue(Files.readString(dir.resolve("console.log")).contains("Debian GNU/Linux 12"));
        assertTrue(Files.readString(dir.resolve("journal.txt")).contains("systemd"));
        assertEquals(0, ImageTier.processesMentioning(used.name()), "keep=never stops the machine");
    }

    @Test
    void keepOnFailureKeepsTheMachineUntilTheRunEnds(@TempDir Path diag) {
        runFixture(diag, "on-failure");
        assertNotNull(used);
        assertTrue(keptAfterFailure, "the failed test's machine still ran after its class ended");
        assertEquals(0, ImageTier.processesMentioning(used.name()), "the run's end stopped it");
    }

    @Test
    void keepAlwaysDetachesTheMachine(@TempDir Path diag) {
        runFixture(diag, "always");
        try {
            assertTrue(ImageTier.processesMentioning(used.name()) > 0);
            assertEquals("ok\n", used.succeed("echo", "ok"), "the run's end did not stop it");
        } finally {
            used.close();
        }
    }
}
