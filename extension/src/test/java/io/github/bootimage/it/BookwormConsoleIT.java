package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.CommandFailedException;
import io.github.bootimage.CommandTimeoutException;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/** A real Debian bookworm image built by mkosi, booted in systemd-nspawn, driven over its console. */
@BootImage(distro = "debian", release = "bookworm", boot = Boot.NSPAWN, transport = Transport.CONSOLE)
class BookwormConsoleIT {

    static Machine fromBeforeAll;

    @BeforeAll
    static void lifecycleMethodsGetTheClassMachine(Machine machine) {
        fromBeforeAll = machine;
    }

    @Test
    void theClassShareOneMachine(Machine machine) {
        assertSame(fromBeforeAll, machine);
        assertEquals(Boot.NSPAWN, machine.info().boot());
        assertEquals(Transport.CONSOLE, machine.info().transport());
        assertEquals("container", machine.info().accelerator());
    }

    @Test
    void plainCommandsStartFromAgentSpawn(Machine machine) {
        AgentSpawnCheck.plainCommandsStartFromAgentSpawnAsTheAgentsOwnForkWould(machine);
    }

    @Test
    void dpkgQuerySystemd(Machine machine) {
        ExecResult r = machine.exec("dpkg-query", "-W", "systemd");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().startsWith("systemd\t252"), r::toString);
    }

    @Test
    void osRelease(Machine machine) {
        ExecResult r = machine.exec("cat", "/etc/os-release");
        assertTrue(r.stdout().contains("VERSION_CODENAME=bookworm"), r::toString);
        assertEquals("debian", machine.osRelease().get("ID"));
        assertEquals("12", machine.osRelease().get("VERSION_ID"));
    }

    @Test
    void exitCodesPropagateAndStderrIsKeptApart(Machine machine) {
        ExecResult r = machine.exec("sh", "-c", "echo out; echo err >&2; exit 42");
        assertEquals(42, r.exitCode());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {"with spaces", "it's \"quoted\"", "$(reboot)", "`halt`", "multi\nline\n", "grüße 日本語",
            "\\x41 %s", "*", "~root"})
    void argumentsReachTheGuestExactly(String arg, Machine machine) {
        assertEquals(arg, machine.exec("printf", "%s", arg).stdout());
    }

    @Test
    void succeedAndFail(Machine machine) {
        assertEquals("hi\n", machine.succeed("echo", "hi"));
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> machine.succeed("ls", "/nonexistent"));
        assertTrue(e.getMessage().startsWith("Command [ls /nonexistent] on machine " + machine.name()
                + " (debian:bookworm, nspawn, over console) exited with code 2, expected exit code 0"), e.getMessage());
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
        assertTrue(machine.fail("ls", "/nonexistent").contains("No such file or directory"));
    }

    @Test
    void packages(Machine machine) {
        assertTrue(machine.packages().isInstalled("systemd"));
        assertFalse(machine.packages().isInstalled("nginx"));
        assertTrue(machine.packages().version("systemd").startsWith("252."), machine.packages().version("systemd"));
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> machine.packages().version("nginx"));
        assertTrue(e.getMessage().startsWith("Package 'nginx' is not installed on machine " + machine.name()), e.getMessage());
    }

    @Test
    void commandTimeoutLeavesTheMachineUsable(Machine machine) {
        CommandTimeoutException e = assertThrows(CommandTimeoutException.class,
                () -> machine.exec(ExecRequest.of("sleep", "60").withTimeout(Duration.ofSeconds(1))));
        assertTrue(e.getMessage().contains("timed out after 1000 ms and was killed; the machine is still usable"), e.getMessage());
        assertEquals("ok\n", machine.succeed("echo", "ok"));
        assertEquals(1, machine.exec("sh", "-c", "grep -qx sleep /proc/[0-9]*/comm").exitCode(), "the timed-out command is gone");
    }

    @Test
    void unitsAndConsole(Machine machine) {
        machine.waitForUnit("systemd-journald.service", Duration.ofSeconds(30));
        assertNotNull(machine.consoleLog());
        assertTrue(machine.consoleLog().contains("Debian GNU/Linux 12"), machine.consoleLog());
        assertTrue(machine.journal().contains("systemd"), "journal of this boot");
    }

    @Test
    void stdinEnvAndWorkdir(Machine machine) {
        ExecResult r = machine.exec(ExecRequest.of("sh", "-c", "pwd; echo $X; cat").withStdin("from stdin")
                .withEnv("X", "y z").withWorkdir("/etc"));
        assertEquals("/etc\ny z\nfrom stdin", r.stdout(), r::toString);
    }
}
