package io.github.bootimage.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The tree guard that mkosi builds run under: nothing a command starts outlives it, whether it ends,
 * times out or its JVM is killed. The commands here leave processes behind on purpose, some in a
 * session of their own (as bubblewrap and apt's helpers do), where a process-group kill misses them.
 */
class TreeGuardTest {

    private static final String LEAVES_CHILDREN =
            "sleep 300 & echo \"PID $!\"; setsid sh -c 'sleep 300 & echo \"PID $!\"; exec sleep 301' & echo \"PID $!\"; ";

    private final ProcessRunner runner = new ProcessRunner(new HostTools(System.getenv("PATH")));

    private static List<Long> pids(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("PID ")).map(l -> Long.parseLong(l.substring(4).strip())).toList();
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void theCommandsResultIsKeptAndWhatItLeftBehindIsKilled() throws Exception {
        var r = runner.runTree(List.of("sh", "-c", LEAVES_CHILDREN + "sleep 0.3; echo out; echo err >&2; exit 7"),
                null, Duration.ofMinutes(1), 50, null);
        assertEquals(7, r.exitCode(), r.output());
        assertEquals(List.of("sh", "-c", LEAVES_CHILDREN + "sleep 0.3; echo out; echo err >&2; exit 7"), r.command(),
                "the result names the command, not the guard");
        assertTrue(r.lines().contains("out") && r.lines().contains("err"), r.output());
        List<Long> left = pids(r.lines());
        assertEquals(3, left.size(), r.output());
        for (long p : left) {
            assertFalse(alive(p), "process " + p + " outlived its command");
        }
    }

    @Test
    void aCommandKilledByASignalReportsIt() throws Exception {
        var r = runner.runTree(List.of("sh", "-c", "kill -KILL $$"), null, Duration.ofMinutes(1), 50, null);
        assertEquals(137, r.exitCode());
    }

    @Test
    void aMissingProgramIsExitCode127WithItsName() throws Exception {
        var r = runner.runTree(List.of("/nonexistent/bootimage-tool"), null, Duration.ofMinutes(1), 50, null);
        assertEquals(127, r.exitCode());
        assertEquals(List.of("tree guard: could not run /nonexistent/bootimage-tool: No such file or directory"), r.lines());
    }

    @Test
    void aTimeoutKillsTheWholeTree() throws Exception {
        List<String> lines = new ArrayList<>();
        // Long enough for the guard (python3) to start its command on a loaded host: a timeout that fires
        // before that kills the guard alone, with nothing started yet, and the test would see no PID lines.
        var r = runner.runTree(List.of("sh", "-c", LEAVES_CHILDREN + "trap '' TERM; sleep 302"), null,
                Duration.ofSeconds(8), 50, lines::add);
        assertTrue(r.timedOut());
        List<Long> left = pids(lines);
        assertEquals(3, left.size(), String.join("\n", lines));
        for (long p : left) {
            assertFalse(alive(p), "process " + p + " outlived the timeout");
        }
    }

    /** The JVM that started the command is SIGKILLed: the guard notices and kills everything below it. */
    @Test
    void aKilledJvmLeavesNothingRunning() throws Exception {
        Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), LEAVES_CHILDREN + "echo READY; sleep 303"))
                .redirectErrorStream(true).start();
        List<Long> left = new ArrayList<>();
        try (var in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            boolean ready = false;
            for (String l; (!ready || left.size() < 3) && (l = in.readLine()) != null; ) {
                if (l.startsWith("PID ")) {
                    left.add(Long.parseLong(l.substring(4).strip()));
                }
                ready |= l.equals("READY");
            }
            assertEquals(3, left.size(), "the child JVM printed its command's processes");
            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && left.stream().anyMatch(TreeGuardTest::alive)) {
            Thread.sleep(50);
        }
        for (long p : left) {
            assertFalse(alive(p), "process " + p + " outlived its killed JVM");
        }
    }

    /** A JVM that runs one command under the guard, printing its output. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            new ProcessRunner(new HostTools(System.getenv("PATH"))).runTree(List.of("sh", "-c", args[0]), null,
                    Duration.ofMinutes(5), 50, line -> {
                        System.out.println(line);
                        System.out.flush();
                    });
        }
    }
}
