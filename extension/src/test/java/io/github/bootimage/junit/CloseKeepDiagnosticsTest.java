package io.github.bootimage.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.Event;

import io.github.bootimage.BootImage;
import io.github.bootimage.BootImageException;
import io.github.bootimage.CommandFailedException;
import io.github.bootimage.Machine;
import io.github.bootimage.image.ImageCache;

/**
 * When machines stop (last booted first, at the end of their scope, at the end of the run), what
 * {@code bootimage.keep} changes, and the diagnostics a failed test saves: through the real engine with
 * the local backend.
 */
class CloseKeepDiagnosticsTest {

    static volatile Machine failedWith;
    static volatile Boolean answeredLater;

    @TempDir
    Path cache;
    @TempDir
    Path diagnostics;

    LocalRun local;

    @BeforeEach
    void setUp() {
        local = new LocalRun(cache);
        failedWith = null;
        answeredLater = null;
    }

    @BootImage
    static class ThreeMachines {
        @BootImage
        static Machine first;

        @BootImage(release = "trixie")
        static Machine second;

        @Test
        void t(Machine classMachine) {
            assertEquals(3, List.of(first.name(), second.name(), classMachine.name()).stream().distinct().count());
        }
    }

    @Test
    void machinesOfAScopeStopLastBootedFirst() {
        local.run(ThreeMachines.class).testEvents().assertStatistics(s -> s.succeeded(1));
        List<String> booted = local.booted();
        assertEquals(3, booted.size(), local.events()::toString);
        List<String> reversed = new ArrayList<>(booted);
        Collections.reverse(reversed);
        assertEquals(reversed, local.stopped(), "LIFO: " + local.events());
    }

    @BootImage
    static class Fails {
        @Test
        void fails(Machine m) {
            failedWith = m;
            assertEquals("expected", m.succeed("echo", "actual").strip(), "wrong output");
        }
    }

    @BootImage
    static class Throws {
        @Test
        void throwsIllegalState(Machine m) {
            failedWith = m;
            throw new IllegalStateException("not an assertion");
        }
    }

    @BootImage
    static class Aborts {
        @Test
        void aborts(Machine m) {
            failedWith = m;
            Assumptions.abort("not for this host");
        }
    }

    /** Runs after a fixture in the same engine run: whether the failed test's machine still answers. */
    static class Later {
        @Test
        void observes() {
            try {
                answeredLater = failedWith != null && failedWith.exec("true").exitCode() == 0;
            } catch (CommandFailedException closed) {
                answeredLater = false;
            }
        }
    }

    private static Throwable failure(EngineExecutionResults r) {
        List<Event> failed = r.testEvents().failed().list();
        assertEquals(1, failed.size(), () -> r.allEvents().list().toString());
        return failed.get(0).getPayload(TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow();
    }

    private static String captureErr(Supplier<EngineExecutionResults> run, EngineExecutionResults[] out) {
        PrintStream old = System.err;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        System.setErr(new PrintStream(b, true, StandardCharsets.UTF_8));
        try {
            out[0] = run.get();
        } finally {
            System.setErr(old);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aFailedAssertionSavesConsoleLogAndJournalAndSaysWhere() throws Exception {
        Throwable t = failure(local.run(Fails.class, "bootimage.diagnostics.dir", diagnostics.toString()));
        String name = failedWith.name();
        Path dir = diagnostics.resolve(Fails.class.getName().replace('$', '_')).resolve("fails_Machine_").resolve(name);
        assertInstanceOf(AssertionError.class, t);
        assertEquals("wrong output ==> expected: <expected> but was: <actual>\n[bootimage] diagnostics of the failed test:\n"
                + "  machine " + name + " (debian:bookworm): " + dir.resolve("console.log").toAbsolutePath() + ", "
                + dir.resolve("journal.txt").toAbsolutePath(), t.getMessage());
        assertEquals("-- journal of local machine " + name + " --\n", Files.readString(dir.resolve("journal.txt")));
        assertTrue(Files.readString(dir.resolve("console.log")).contains("local machine " + name + " up"),
                Files.readString(dir.resolve("console.log")));
        assertEquals(List.of(name), local.stopped(), "keep=never (the default) stops it all the same");
    }

    @Test
    void anotherExceptionKeepsItsTypeAndCarriesTheNoteAsSuppressed() {
        Throwable t = failure(local.run(Throws.class, "bootimage.diagnostics.dir", diagnostics.toString()));
        assertInstanceOf(IllegalStateException.class, t);
        assertEquals("not an assertion", t.getMessage());
        assertEquals(1, t.getSuppressed().length);
        assertInstanceOf(BootImageException.class, t.getSuppressed()[0]);
        assertTrue(t.getSuppressed()[0].getMessage().startsWith("[bootimage] diagnostics of the failed test:\n  machine "
                + failedWith.name() + " (debian:bookworm): "), t.getSuppressed()[0].getMessage());
    }

    @Test
    void anAbortedTestSavesNothing() throws Exception {
        local.run(Aborts.class, "bootimage.diagnostics.dir", diagnostics.toString()).testEvents()
                .assertStatistics(s -> s.aborted(1).failed(0));
        try (var files = Files.list(diagnostics)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void keepNeverStopsTheFailedTestsMachineWithItsClass() {
        local.run(List.of(Fails.class, Later.class), "bootimage.diagnostics.dir", diagnostics.toString());
        assertEquals(false, answeredLater);
    }

    @Test
    void keepOnFailureKeepsItUntilTheRunEndsAndSaysHowToGetIn() {
        EngineExecutionResults[] r = new EngineExecutionResults[1];
        String err = captureErr(() -> local.run(List.of(Fails.class, Later.class), "bootimage.keep", "on-failure",
                "bootimage.diagnostics.dir", diagnostics.toString()), r);
        String name = failedWith.name();
        assertEquals(true, answeredLater, "the machine still answered after its class ended");
        assertTrue(err.contains("bootimage: keeping machine " + name + " after a failed test (bootimage.keep=on-failure)"
                + " until the test run ends; get in with: kill " + local.pid(name) + " (a local shell, no login)"), err);
        assertEquals(List.of(name), local.stopped(), "the end of the run stopped it");
        assertFalse(ProcessHandle.of(local.pid(name)).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void keepOnFailureStopsAMachineWhoseTestsPassed() {
        local.run(ThreeMachines.class, "bootimage.keep", "on-failure");
        assertEquals(3, local.stopped().size(), local.events()::toString);
    }

    @Test
    void keepAlwaysLeavesTheMachineRunningAfterTheRun() throws Exception {
        EngineExecutionResults[] r = new EngineExecutionResults[1];
        String err = captureErr(() -> local.run(Fails.class, "bootimage.keep", "always",
                "bootimage.diagnostics.dir", diagnostics.toString()), r);
        String name = failedWith.name();
        long pid = local.pid(name);
        Optional<ProcessHandle> shell = ProcessHandle.of(pid);
        try {
            assertTrue(shell.map(ProcessHandle::isAlive).orElse(false), "still running after the run");
            assertEquals(List.of(), local.stopped());
            assertTrue(err.contains("bootimage: keeping machine " + name + " running (bootimage.keep=always); get in with: kill "
                    + pid + " (a local shell, no login) ; it is not stopped when the JVM ends: stop it yourself."), err);
        } finally {
            shell.ifPresent(h -> {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
                h.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
            });
            ImageCache.deleteTree(Path.of(System.getProperty("java.io.tmpdir"), "bootimage-"
                    + io.github.bootimage.boot.HostCapabilities.euid(), name));
        }
        assertFalse(shell.map(ProcessHandle::isAlive).orElse(false));
    }
}
