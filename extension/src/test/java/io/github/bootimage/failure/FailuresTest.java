package io.github.bootimage.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.CommandFailedException;
import io.github.bootimage.CommandTimeoutException;
import io.github.bootimage.ExecResult;
import io.github.bootimage.MachineInfo;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.Transport;

/** Every message {@link Failures} builds, whole, and the fields that go with it. */
class FailuresTest {
    private static final MachineInfo INFO = new MachineInfo("bi-debian-1", "debian", "bookworm", Boot.NSPAWN,
            Transport.CONSOLE, "container", Path.of("/img"), 0, Duration.ofSeconds(1));
    private static final ExecResult RESULT = ExecResult.of(3, "out\n".getBytes(), "err\n".getBytes(), Duration.ofMillis(42));

    @Test
    void unexpectedExitNamesTheMachineTheCommandTheExpectationAndShowsTheOutput() {
        CommandFailedException e = Failures.unexpectedExit(INFO, "agent channel", "false x", RESULT, "exit code 0");
        assertEquals("Command [false x] on machine bi-debian-1 (debian:bookworm, nspawn, over agent channel) exited with"
                + " code 3, expected exit code 0, after 42 ms\nstdout:\n  out\n  \nstderr:\n  err\n  ", e.getMessage());
        assertEquals("bi-debian-1", e.machine());
        assertEquals("false x", e.command());
        assertSame(RESULT, e.result());
        assertEquals(Duration.ofMillis(42), e.duration());
    }

    @Test
    void packageNotInstalledSaysWhichAttributeAddsIt() {
        CommandFailedException e = Failures.packageNotInstalled(INFO, "console", "dpkg-query", "nginx", "dpkg-query -W nginx", RESULT);
        assertEquals("Package 'nginx' is not installed on machine bi-debian-1 (dpkg-query says so). Add it to"
                + " @BootImage(packages = ...).\nCommand [dpkg-query -W nginx] on machine bi-debian-1 (debian:bookworm,"
                + " nspawn, over console) exited with code 3, expected exit code 0, after 42 ms"
                + "\nstdout:\n  out\n  \nstderr:\n  err\n  ", e.getMessage());
        assertEquals("dpkg-query -W nginx", e.command());
    }

    @Test
    void waitFailedSaysWhetherTimeRanOutOrItCannotHappen() {
        assertEquals("Waited for port 80 on bi-debian-1 for 500 ms: nothing listens",
                Failures.waitFailed("bi-debian-1", "port 80 on bi-debian-1", false, Duration.ofMillis(500), "nothing listens").getMessage());
        CommandFailedException e = Failures.waitFailed("bi-debian-1", "x", true, Duration.ofMillis(500), "the guest stopped");
        assertEquals("Waited for x but it cannot happen anymore: the guest stopped", e.getMessage());
        assertEquals("bi-debian-1", e.machine());
        assertNull(e.result());
    }

    @Test
    void aClosedMachineSaysHowLongMachinesLive() {
        assertEquals("Cannot run [true] on machine m1: the machine was closed. A machine lives as long as its test (or"
                + " class, with Lifecycle.PER_CLASS).", Failures.machineClosed("m1", "true").getMessage());
    }

    @Test
    void goneAndInterruptedAndDamagedName() {
        assertEquals("Cannot run [true] on machine m1 (console): the console closed. The guest may have powered itself off"
                + " or crashed. Console tail:\nlast line", Failures.consoleGone("m1", "console", "true", "the console closed", "last line").getMessage());
        var cause = new java.io.IOException("reset");
        CommandFailedException ssh = Failures.sshGone("m1", "true", "the SSH connection dropped", "IOException: reset", true, "", cause);
        assertEquals("Cannot run [true] on machine m1 (ssh): the SSH connection dropped (IOException: reset); the guest has stopped.",
                ssh.getMessage());
        assertSame(cause, ssh.getCause());
        assertEquals("Cannot run [true] on machine m1 (ssh): sshd refused.", Failures.sshGone("m1", "true", "sshd refused", null, false, "", null).getMessage());
        assertEquals("Interrupted while running [true] on machine m1 (agent channel)",
                Failures.interrupted("m1", "agent channel", "true", false).getMessage());
        assertEquals("Interrupted while waiting to run [true] on machine m1 (ssh)", Failures.interrupted("m1", "ssh", "true", true).getMessage());
        CommandFailedException none = Failures.noExitStatus("m1", "true", RESULT);
        assertEquals("Command [true] on machine m1 (ssh): sshd reported neither an exit status nor a signal; the SSH"
                + " connection may have dropped as it ended.", none.getMessage());
        assertEquals(Duration.ofMillis(42), none.duration());
        assertEquals("Command [cat] on machine m1 (agent channel) was not run: its stdin (5 bytes, cksum 7) arrived in the"
                + " guest with other bytes. The machine stays usable. Console tail:\ntail",
                Failures.stdinDamaged("m1", "agent channel", "cat", 5, 7, "tail").getMessage());
        assertEquals("Command [cat] on machine m1 (console): its answer arrived with other bytes than the guest sent, so no"
                + " result is given. The agent sent stdout of 4 bytes with cksum 9; 3 bytes with cksum 1 arrived (1 base64"
                + " line(s), starting: YWJj). Something else wrote into the console in the middle of the frame; the machine"
                + " stays usable. The console is shared with the guest's services and kernel: an image with the agent's"
                + " channel avoids this. Console tail:\ntail", Failures.answerDamaged("m1", "console", "cat", "stdout", 4, 9,
                "3 bytes with cksum 1 arrived", 1, "YWJj", "tail").getMessage());
    }

    @Test
    void timeoutsNameTheSettingsThatChangeThemAndKeepWhatArrived() {
        CommandTimeoutException t = Failures.timedOut("m1", "ssh", "sleep 9", Duration.ofMillis(500), true, null);
        assertEquals("Command [sleep 9] on machine m1 (ssh) timed out after 500 ms and was killed with its child processes;"
                + " the machine is still usable. Pass a longer timeout with ExecRequest.withTimeout(...) or set"
                + " bootimage.timeout.command.", t.getMessage());
        assertEquals(Duration.ofMillis(500), t.timeout());
        assertEquals("m1", t.machine());
        assertEquals("sleep 9", t.command());
        CommandTimeoutException p = Failures.timedOut("m1", "console", "sleep 9", Duration.ofMillis(500), false, RESULT);
        assertEquals("Command [sleep 9] on machine m1 (console) timed out after 500 ms and was killed; the machine is still"
                + " usable. Pass a longer timeout with ExecRequest.withTimeout(...) or set bootimage.timeout.command."
                + " Output so far:\nstdout:\n  out\n  \nstderr:\n  err\n  ", p.getMessage());
        assertSame(RESULT, p.partial());
        assertEquals("Command [sleep 9] on machine m1 (console) got no answer within 500 ms plus 10 s of grace: the guest is"
                + " hung or its console is blocked. Console tail:\ntail",
                Failures.noAnswer("m1", "console", "sleep 9", Duration.ofMillis(500), Duration.ofSeconds(10), "tail").getMessage());
    }

    @Test
    void bootFailuresKeepTheReasonApartFromTheConsoleTail() {
        MachineLaunchException s = Failures.stoppedWhileBooting("m1", "agent channel", "systemd-nspawn exited with code 1", "tail");
        assertEquals("Machine m1 stopped while booting (systemd-nspawn exited with code 1) before its agent channel answered."
                + " Console tail:\ntail", s.getMessage());
        assertEquals("Machine m1 stopped while booting (systemd-nspawn exited with code 1) before its agent channel answered.", s.reason());
        assertEquals("Machine m1 did not boot within 60 s: no autologin shell answered on its console (running). Raise"
                + " bootTimeout or bootimage.timeout.boot if the host is slow. Console tail:\ntail",
                Failures.bootTimedOut("m1", Duration.ofSeconds(60), true, "running", "tail").getMessage());
        assertEquals("Machine m1 did not boot within 60 s: the bootimage agent did not answer on its channel (the image's"
                + " bootimage-agent.service; see its journal) (running). Raise bootTimeout or bootimage.timeout.boot if the"
                + " host is slow.", Failures.bootTimedOut("m1", Duration.ofSeconds(60), false, "running", "tail").reason());
    }
}
