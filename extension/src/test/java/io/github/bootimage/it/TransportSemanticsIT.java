package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.CommandTimeoutException;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/**
 * One meaning on every transport: the same commands over the agent and over SSH, on machines of the
 * same image, give the same results; a command returns when its own process exits.
 */
class TransportSemanticsIT {
    @BootImage(boot = Boot.NSPAWN, transport = Transport.CONSOLE, packages = "openssh-server")
    static Machine agent;

    @BootImage(boot = Boot.NSPAWN, transport = Transport.SSH, packages = "openssh-server")
    static Machine ssh;

    static final List<ExecRequest> COMMANDS = List.of(
            ExecRequest.of("sh", "-c", "echo out; echo err >&2; exit 42"),
            ExecRequest.of("sh", "-c", "cat; echo \"rc=$?\""),
            ExecRequest.of("sh", "-c", "tr a-z A-Z").withStdin("given stdin\n"),
            ExecRequest.of("sh", "-c", "echo before; kill -TERM $$"),
            ExecRequest.of("sh", "-c", "kill -KILL $$"),
            ExecRequest.of("sh", "-c", "pwd; id -u; echo \"$HOME\"; echo \"$GREETING\"").withEnv("GREETING", "hi there"),
            ExecRequest.of("pwd").withWorkdir("/tmp"),
            ExecRequest.of("true").withWorkdir("/no/such/dir"),
            ExecRequest.of("no-such-program"),
            ExecRequest.of("printf", "%s", "it's \"quoted\" $(x) `y` \\ \u00e9"),
            ExecRequest.of("sh", "-c", "test -t 0 && echo tty || echo no-tty"));

    static void same(ExecRequest r) {
        ExecResult a = agent.exec(r);
        ExecResult s = ssh.exec(r);
        String what = r.commandLine() + "\nagent: " + a + "\nssh: " + s;
        assertEquals(a.exitCode(), s.exitCode(), what);
        assertArrayEquals(a.stdoutBytes(), s.stdoutBytes(), what);
        // The shell that reports a missing program names itself: the agent's script or sshd's bash.
        assertEquals(a.stderr().replaceAll("(?m)^[^:\n]*: line \\d+: ", ""),
                s.stderr().replaceAll("(?m)^[^:\n]*: line \\d+: ", ""), what);
    }

    @Test
    void theSameCommandsGiveTheSameResults() {
        assertEquals(Transport.CONSOLE, agent.info().transport());
        assertEquals(Transport.SSH, ssh.info().transport());
        COMMANDS.forEach(TransportSemanticsIT::same);
        assertEquals(143, agent.exec("sh", "-c", "kill -TERM $$").exitCode());
        assertEquals("rc=0\n", ssh.exec("sh", "-c", "cat; echo \"rc=$?\"").stdout(), "stdin is at end of file unless given");
    }

    @Test
    void aCommandReturnsWhenItsOwnProcessExitsOnBoth() {
        for (Machine m : List.of(agent, ssh)) {
            long start = System.nanoTime();
            ExecResult r = m.exec("sh", "-c", "sleep 20 & echo started");
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertEquals("started\n", r.stdout(), m.info().transport().toString());
            assertTrue(millis < 5_000, m.info().transport() + " waited " + millis + " ms for a child left running");
            assertEquals("1\n", m.exec("sh", "-c", "pgrep -xc sleep").stdout(), "the child keeps running");
            m.succeed("pkill", "-x", "sleep");
            m.exec("sh", "-c", "(sleep 1; echo late; echo late >&2) & echo first");
            ExecResult next = m.exec("sh", "-c", "sleep 2; echo second");
            assertEquals("second\n", next.stdout(), "a child's late output must not reach a later command");
            assertEquals("", next.stderr());
        }
    }

    @Test
    void timeoutsMeanTheSameOnBoth() {
        for (Machine m : List.of(agent, ssh)) {
            CommandTimeoutException e = assertThrows(CommandTimeoutException.class,
                    () -> m.exec(ExecRequest.of("sh", "-c", "sleep 271 & sleep 272").withTimeout(Duration.ofSeconds(1))));
            assertTrue(e.getMessage().contains("timed out after 1000 ms"), e.getMessage());
            assertEquals("0\n", m.exec("sh", "-c", "pgrep -fc 'sleep 27[12]' || true").stdout(),
                    "the command and its children are killed on " + m.info().transport());
            assertEquals("ok\n", m.exec("echo", "ok").stdout());
        }
    }
}
