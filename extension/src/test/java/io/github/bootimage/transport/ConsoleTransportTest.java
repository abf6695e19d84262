package io.github.bootimage.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.bootimage.CommandFailedException;
import io.github.bootimage.CommandTimeoutException;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.MachineLaunchException;

/** The console protocol against a real interactive bash under a pseudo-terminal (no guest needed). */
class ConsoleTransportTest {
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static LocalShell shell;

    @BeforeAll
    static void start() throws Exception {
        shell = new LocalShell(dir.resolve("agent"));
        shell.console.awaitReady(Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        shell.close();
    }

    static ExecResult exec(String... argv) {
        return shell.console.exec(ExecRequest.of(argv), T);
    }

    @ParameterizedTest
    @ValueSource(strings = {"two words", "it's \"quoted\"", "$(touch /tmp/bootimage-pwned)", "`id`", "line1\nline2\n",
            "grüße, 日本語, emoji 🚀", "tab\there", "back\\slash \\x41 %s %b", "-n", "", "*", "; exit 3 #", "\u0003\u0004\u001a"})
    void argumentsArriveExactly(String arg) {
        ExecResult r = exec("printf", "%s", arg);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(arg, r.stdout());
    }

    @Test
    void exitCodesPropagate() {
        assertEquals(42, exec("sh", "-c", "exit 42").exitCode());
        assertEquals(0, exec("true").exitCode());
        assertEquals(127, exec("no-such-program-anywhere").exitCode());
    }

    @Test
    void stderrIsKeptApartFromStdout() {
        ExecResult r = exec("sh", "-c", "echo out; echo err >&2; echo out2");
        assertEquals("out\nout2\n", r.stdout());
        assertEquals("err\n", r.stderr());
    }

    @Test
    void binaryOutputAndStdinRoundTrip() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        ExecResult r = shell.console.exec(ExecRequest.of("sh", "-c", "od -An -tx1 -v | tr -d ' \\n'").withStdin(all), T);
        StringBuilder hex = new StringBuilder();
        for (byte b : all) {
            hex.append(String.format("%02x", b & 0xff));
        }
        assertEquals(hex.toString(), r.stdout());
        ExecResult text = shell.console.exec(ExecRequest.of("cat").withStdin("a\r\nb\n\u0000c"), T);
        assertArrayEquals("a\r\nb\n\u0000c".getBytes(StandardCharsets.UTF_8), text.stdout().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void environmentAndWorkdir() {
        ExecResult r = shell.console.exec(ExecRequest.of("sh", "-c", "pwd; echo \"$GREETING\"")
                .withEnv("GREETING", "hello 'world' $HOME").withWorkdir("/tmp"), T);
        assertEquals("/tmp\nhello 'world' $HOME\n", r.stdout(), r::toString);
        ExecResult missing = shell.console.exec(ExecRequest.of("true").withWorkdir("/no/such/dir"), T);
        assertEquals(125, missing.exitCode());
    }

    @Test
    void timeoutKillsTheCommandAndTheConsoleStaysUsable() {
        long start = System.nanoTime();
        CommandTimeoutException e = assertThrows(CommandTimeoutException.class, () -> shell.console.exec(
                ExecRequest.of("sh", "-c", "echo started; sleep 30").withTimeout(Duration.ofMillis(500)), T));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10, "timeout took too long");
        assertTrue(e.getMessage().contains("timed out after 500 ms"), e.getMessage());
        assertTrue(e.getMessage().contains("[sh -c 'echo started; sleep 30']"), e.getMessage());
        assertTrue(e.getMessage().contains("started"), e.getMessage());
        assertEquals("still here\n", exec("echo", "still here").stdout());
    }

    @Test
    void aCopyThatFailsInTheGuestNamesTheCopyTheMachineAndWhatTheGuestSaid() {
        String missing = dir.resolve("no-such-dir/file").toString();
        Path host = dir.resolve("never-written");
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> shell.console.copyFrom(missing, host));
        assertTrue(e.getMessage().startsWith("copyFrom " + missing + " -> " + host + " on machine local-shell (console)"
                + " failed in the guest: exit code "), e.getMessage());
        assertTrue(e.getMessage().contains("no-such-dir"), e.getMessage());
        assertEquals("local-shell", e.machine());
        assertEquals("copyFrom " + missing + " -> " + host, e.command());
        assertTrue(e.result().exitCode() != 0, e.result()::toString);
        assertTrue(!java.nio.file.Files.exists(host), "nothing written on the host");
    }

    @Test
    void directoryCopiesKeepModesBothWays() throws Exception {
        java.nio.file.Path src = java.nio.file.Files.createDirectories(dir.resolve("copy-src/tree/private"));
        java.nio.file.Path tool = java.nio.file.Files.writeString(dir.resolve("copy-src/tree/tool.sh"), "#!/bin/sh\necho hi\n");
        java.nio.file.Files.writeString(dir.resolve("copy-src/tree/private/secret"), "s");
        java.nio.file.Files.setPosixFilePermissions(tool, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
        java.nio.file.Files.setPosixFilePermissions(src, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        java.nio.file.Files.setPosixFilePermissions(src.resolve("secret"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String guest = dir.resolve("guest-side/tree").toString();
        shell.console.copyTo(dir.resolve("copy-src/tree"), guest);
        assertEquals("750 700 600\n", exec("sh", "-c", "stat -c %a \"$1/tool.sh\" \"$1/private\" \"$1/private/secret\" | tr '\\n' ' ' | sed 's/ $/\\n/'",
                "sh", guest).stdout());
        java.nio.file.Path back = dir.resolve("copy-back/tree");
        shell.console.copyFrom(guest, back);
        assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(back.resolve("tool.sh"))));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(back.resolve("private"))));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(back.resolve("private/secret"))));
        assertEquals("s", java.nio.file.Files.readString(back.resolve("private/secret")));
    }

    @Test
    void largeOutput() {
        ExecResult r = exec("sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x");
        assertEquals(3_000_000, r.stdout().length());
    }

    @Test
    void aShellThatNeverShowsAPromptTimesOutWithTheConsoleTail() throws Exception {
        try (var p = io.github.bootimage.boot.GuestProcess.start(java.util.List.of("sh", "-c", "echo booting slowly; sleep 30"),
                true, "fake-guest", System.getenv("PATH"))) {
            ConsoleTransport c = new ConsoleTransport("slow", p.output(), p.input(), p::isAlive, p::exitDescription);
            MachineLaunchException e = assertThrows(MachineLaunchException.class, () -> c.awaitReady(Duration.ofMillis(800)));
            assertTrue(e.getMessage().contains("did not boot within"), e.getMessage());
            assertTrue(e.getMessage().contains("booting slowly"), e.getMessage());
            c.close();
        }
    }

    @Test
    void aGuestThatDiesWhileBootingFailsFast() throws Exception {
        try (var p = io.github.bootimage.boot.GuestProcess.start(java.util.List.of("sh", "-c", "echo kernel panic; exit 3"),
                true, "fake-guest", System.getenv("PATH"))) {
            ConsoleTransport c = new ConsoleTransport("dying", p.output(), p.input(), p::isAlive, p::exitDescription);
            long start = System.nanoTime();
            MachineLaunchException e = assertThrows(MachineLaunchException.class, () -> c.awaitReady(Duration.ofSeconds(30)));
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10);
            assertTrue(e.getMessage().contains("stopped while booting"), e.getMessage());
            assertTrue(e.getMessage().contains("kernel panic"), e.getMessage());
        }
    }

    @Test
    void commandsAfterTheGuestIsGoneFailClearly() throws Exception {
        try (LocalShell s = new LocalShell(dir.resolve("agent2"))) {
            s.console.awaitReady(Duration.ofSeconds(20));
            s.console.exec(ExecRequest.of("sh", "-c", "kill -9 $PPID"), T);
        } catch (CommandFailedException expected) {
            assertTrue(expected.getMessage().contains("Cannot run [sh -c 'kill -9 $PPID']"), expected.getMessage());
            assertTrue(expected.getMessage().contains("powered itself off"), expected.getMessage());
            return;
        }
        throw new AssertionError("expected a CommandFailedException when the shell died mid-command");
    }
}
