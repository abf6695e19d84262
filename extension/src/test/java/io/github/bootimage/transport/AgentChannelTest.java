package io.github.bootimage.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.CommandFailedException;
import io.github.bootimage.CommandTimeoutException;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;

/**
 * The agent on its own channel (two FIFOs), as an image's bootimage-agent.service runs it, against a host bash,
 * with agent-spawn as an image has it ({@link AgentChannelForkingTest}: the same tests without).
 */
class AgentChannelTest {
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static LocalAgent agent;

    @BeforeAll
    static void start() throws Exception {
        agent = new LocalAgent(dir.resolve("a"), true);
        agent.transport.awaitReady(Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    static ExecResult exec(ExecRequest r) {
        return agent.transport.exec(r, T);
    }

    @Test
    void commandsRunOverTheChannel() {
        assertEquals("agent channel", agent.transport.via());
        ExecResult r = exec(ExecRequest.of("sh", "-c", "echo out; echo err >&2; exit 7"));
        assertEquals(7, r.exitCode());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        assertEquals("it's \"quoted\" $(x) `y`\n", exec(ExecRequest.of("printf", "%s\n", "it's \"quoted\" $(x) `y`")).stdout());
    }

    @Test
    void everyByteValueAndBigOutputs() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        assertArrayEquals(all, exec(ExecRequest.of("cat").withStdin(all)).stdoutBytes());
        byte[] big = new byte[200_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + 7);
        }
        ExecResult streamed = exec(ExecRequest.of("sh", "-c", "cat; cat /dev/null >&2").withStdin(big));
        assertArrayEquals(big, streamed.stdoutBytes());
        // File copies take binary frames (stdout in wrapped lines), which the agent writes itself.
        ConsoleTransport.Bytes binary = agent.transport.execBinary(ExecRequest.of("sh", "-c", "cat; echo e >&2; exit 5")
                .withStdin(big), T);
        assertArrayEquals(big, binary.stdout());
        assertArrayEquals("e\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), binary.stderr());
        assertEquals(5, binary.exitCode());
        assertArrayEquals(new byte[0], agent.transport.execBinary(ExecRequest.of("true"), T).stdout());
        ExecResult seq = exec(ExecRequest.of("seq", "1", "200000"));
        assertEquals(1_288_895, seq.stdout().length());
        assertTrue(seq.stdout().startsWith("1\n2\n3\n") && seq.stdout().endsWith("199999\n200000\n"));
        // Over 64 KiB the agent streams the frame in parts: a big stderr beside a small or empty stdout stays apart.
        String lines = java.util.stream.IntStream.rangeClosed(1, 30_000).mapToObj(i -> i + "\n").collect(java.util.stream.Collectors.joining());
        ExecResult bigErr = exec(ExecRequest.of("sh", "-c", "seq 1 30000 >&2; echo small"));
        assertEquals("small\n", bigErr.stdout());
        assertEquals(lines, bigErr.stderr());
        ExecResult onlyErr = exec(ExecRequest.of("sh", "-c", "seq 1 30000 >&2"));
        assertEquals("", onlyErr.stdout());
        assertEquals(lines, onlyErr.stderr());
        ExecResult bothBig = exec(ExecRequest.of("sh", "-c", "seq 1 30000; seq 1 30000 >&2; exit 3"));
        assertEquals(3, bothBig.exitCode());
        assertEquals(lines, bothBig.stdout());
        assertEquals(lines, bothBig.stderr());
    }

    @Test
    void aCommandReturnsWhenItsOwnProcessExitsAndItsChildrenNeverChangeLaterResults() throws Exception {
        long start = System.nanoTime();
        ExecResult r = exec(ExecRequest.of("sh", "-c", "(sleep 1; echo late; echo late >&2) & echo started"));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 900, "waited for the child");
        assertEquals("started\n", r.stdout());
        ExecResult next = exec(ExecRequest.of("sh", "-c", "sleep 1.5; echo second"));
        assertEquals("second\n", next.stdout());
        assertEquals("", next.stderr());
    }

    @Test
    void plainArgumentListsStartFromAgentSpawnAndEverythingElseFromTheAgentsOwnFork() {
        String parent = agent.spawner ? "agent-spawn\n" : "bash\n";
        assertEquals(parent, exec(ExecRequest.of("sh", "-c", "cat /proc/$PPID/comm")).stdout());
        // A working directory or an environment makes the command more than an argument list: the agent runs it.
        assertEquals("bash\n", exec(ExecRequest.of("sh", "-c", "cat /proc/$PPID/comm").withEnv("A", "1")).stdout());
        ExecResult inDir = exec(ExecRequest.of("sh", "-c", "pwd; cat /proc/$PPID/comm").withWorkdir("/tmp"));
        assertEquals("/tmp\nbash\n", inDir.stdout());
        // Either way the command leads a process group of its own, with the same environment, signal
        // dispositions and mask, working directory and umask.
        String probe = "read -r pid comm state ppid pgid rest < /proc/$$/stat; [ \"$pgid\" = $$ ] && echo leader;"
                + " grep -E '^Sig(Blk|Ign|Cgt)' /proc/$$/status; pwd; umask; env | grep -v '^A=' | LC_ALL=C sort";
        String plain = exec(ExecRequest.of("sh", "-c", probe)).stdout();
        assertTrue(plain.startsWith("leader\nSigBlk:"), plain);
        assertEquals(plain, exec(ExecRequest.of("sh", "-c", probe).withEnv("A", "1")).stdout());
    }

    @Test
    void afterNospawnTheAgentForksForEveryCommand() throws Exception {
        try (LocalAgent a = new LocalAgent(dir.resolve("nospawn"), true)) {
            a.transport.awaitReady(T);
            a.transport.forkEachCommand();
            ExecResult r = a.transport.exec(ExecRequest.of("sh", "-c", "echo out; cat /proc/$PPID/comm; exit 3"), T);
            assertEquals("out\nbash\n", r.stdout());
            assertEquals(3, r.exitCode());
            // agent-spawn had its input closed, and is gone.
            long spawners = ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("")
                    .equals(dir.resolve("nospawn/agent-spawn").toString())).count();
            assertEquals(0, spawners);
        }
    }

    @Test
    void aProgramThatCannotStartFailsAsBashSaysIt() throws Exception {
        ExecResult missing = exec(ExecRequest.of("bootimage-no-such-program", "x"));
        assertEquals(127, missing.exitCode());
        assertTrue(missing.stderr().endsWith("exec: bootimage-no-such-program: not found\n"), missing.stderr());
        assertEquals("", missing.stdout());
        Path plainFile = dir.resolve("not-executable-" + agent.spawner);
        Files.writeString(plainFile, "echo ran\n");
        ExecResult notExecutable = exec(ExecRequest.of(plainFile.toString()));
        assertEquals(126, notExecutable.exitCode());
        assertTrue(notExecutable.stderr().endsWith("exec: " + plainFile + ": cannot execute: Permission denied\n"), notExecutable.stderr());
        ExecResult signalled = exec(ExecRequest.of("sh", "-c", "echo before; kill -TERM $$"));
        assertEquals(143, signalled.exitCode());
        assertEquals("before\n", signalled.stdout());
    }

    @Test
    void aCommandThatStopsItselfReturnsAtOnceAs128PlusTheSignal() throws Exception {
        Path pidFile = dir.resolve("stopped-" + agent.spawner + ".pid");
        long start = System.nanoTime();
        ExecResult r = exec(ExecRequest.of("sh", "-c", "echo $$ > \"$1\"; echo before; kill -STOP $$; echo after", "sh",
                pidFile.toString()).withTimeout(Duration.ofSeconds(10)));
        assertEquals(147, r.exitCode());
        assertEquals("before\n", r.stdout());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 5000, "waited for the timeout");
        assertEquals("", exec(ExecRequest.of("kill", "-KILL", Files.readString(pidFile).strip())).stderr());
        assertEquals("next\n", exec(ExecRequest.of("echo", "next")).stdout());
    }

    @Test
    void whenAgentSpawnIsGoneBetweenCommandsTheAgentRunsThemItself() throws Exception {
        try (LocalAgent a = new LocalAgent(dir.resolve("gone"), agent.spawner)) {
            a.transport.awaitReady(T);
            // With an environment the agent forks this command itself; it kills agent-spawn, if there is one.
            ExecResult kill = a.transport.exec(ExecRequest.of("sh", "-c", "for p in /proc/[0-9]*; do"
                    + " [ \"$(cat $p/comm 2>/dev/null)\" = agent-spawn ] && grep -q \"^PPid:[[:space:]]*$PPID$\" $p/status"
                    + " && kill -9 ${p#/proc/} && echo killed; done; true").withEnv("A", "1"), T);
            assertEquals(agent.spawner ? "killed\n" : "", kill.stdout());
            Thread.sleep(200);
            ExecResult r = a.transport.exec(ExecRequest.of("sh", "-c", "echo out; echo err >&2; cat /proc/$PPID/comm; exit 4"), T);
            assertEquals("out\nbash\n", r.stdout());
            assertEquals("err\n", r.stderr());
            assertEquals(4, r.exitCode());
            // The agent removes older commands' files itself again.
            for (int i = 0; i < 70; i++) {
                assertEquals("x\n", a.transport.exec(ExecRequest.of("echo", "x").withStdin("in"), T).stdout());
            }
            try (var files = Files.list(a.work)) {
                long n = files.count();
                assertTrue(n <= 4 * 32 + 4, "the agent's directory keeps growing: " + n + " files");
            }
        }
    }

    @Test
    void aTimeoutKillsTheCommandsWholeProcessGroup() throws Exception {
        Path pidFile = dir.resolve("child-" + agent.spawner + ".pid");
        assertThrows(CommandTimeoutException.class, () -> exec(ExecRequest.of("sh", "-c",
                "sleep 30 & echo $! > \"$1\"; wait", "sh", pidFile.toString()).withTimeout(Duration.ofMillis(500))));
        String child = Files.readString(pidFile).strip();
        Thread.sleep(200);
        // Killed, it may stay a zombie until whatever adopted it reaps it: state Z.
        Path stat = Path.of("/proc", child, "stat");
        String state = Files.exists(stat) ? Files.readString(stat).replaceFirst(".*\\) ", "").substring(0, 1) : "gone";
        assertTrue(state.equals("gone") || state.equals("Z"), "the command's child " + child + " still runs: state " + state);
    }

    @Test
    void stdinIsAtEndOfFileUnlessGiven() {
        ExecResult r = exec(ExecRequest.of("sh", "-c", "cat; echo rc=$?"));
        assertEquals("rc=0\n", r.stdout());
    }

    @Test
    void timeoutKillsAndTheChannelStaysUsable() {
        CommandTimeoutException e = assertThrows(CommandTimeoutException.class,
                () -> exec(ExecRequest.of("sh", "-c", "echo started; sleep 30").withTimeout(Duration.ofMillis(500))));
        assertTrue(e.getMessage().contains("(agent channel) timed out after 500 ms"), e.getMessage());
        assertTrue(e.getMessage().contains("started"), e.getMessage());
        assertEquals("still here\n", exec(ExecRequest.of("echo", "still here")).stdout());
    }

    @Test
    void theAgentRemovesEachCommandsFilesAndItsWatchdogNeverOutlivesItsCommand() throws Exception {
        // A watchdog left sleeping would make a finished command wait out its whole timeout and be reported as timed out.
        for (int i = 0; i < 300; i++) {
            ExecResult r = agent.transport.exec(ExecRequest.of("sh", "-c", "echo x; echo y >&2").withStdin("in")
                    .withTimeout(Duration.ofSeconds(30)), T);
            assertEquals("x\n", r.stdout());
        }
        try (var files = Files.list(agent.work)) {
            long n = files.count();
            // At most four files for each of the last 32 commands, and the agent's own.
            assertTrue(n <= 4 * 32 + 4, "the agent's directory keeps growing: " + n + " files");
        }
    }

    @Test
    void anAgentThatDiesFailsPendingCommandsClearly() throws Exception {
        // With agent-spawn, $PPID is agent-spawn: the agent cannot know whether the command ran, so it stops too.
        try (LocalAgent a = new LocalAgent(dir.resolve("dying"), agent.spawner)) {
            a.transport.awaitReady(T);
            CommandFailedException e = assertThrows(CommandFailedException.class,
                    () -> a.transport.exec(ExecRequest.of("sh", "-c", "kill -9 $PPID; sleep 5"), T));
            assertTrue(e.getMessage().contains("Cannot run [sh -c 'kill -9 $PPID; sleep 5'] on machine local-agent"
                    + " (agent channel)"), e.getMessage());
            assertFalse(a.process.isAlive());
        }
    }
}
