package io.github.bootimage.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.LogOutputStream;
import org.apache.commons.exec.PumpStreamHandler;
import org.apache.commons.exec.ShutdownHookProcessDestroyer;

/**
 * Runs a finite host command (mkosi, mkfs, ssh-keygen...) through commons-exec, streaming its
 * combined output line by line and keeping the last lines for error messages. commons-exec alone
 * says only "Process exited with an error: 1"; callers build their message from {@link Result}.
 */
public final class ProcessRunner {

    private static final ShutdownHookProcessDestroyer DESTROYER = new ShutdownHookProcessDestroyer();

    private final HostTools tools;

    public ProcessRunner(HostTools tools) {
        this.tools = tools;
    }

    /** A runner for the host's basic tools (tar, du, rm) on the JVM's own PATH. */
    public static ProcessRunner onHostPath() {
        return new ProcessRunner(HostTools.fromEnvironment(null, true));
    }

    public HostTools tools() {
        return tools;
    }

    /**
     * The outcome of a command.
     *
     * @param command  the command as run
     * @param exitCode its exit code (-1 when it was killed by the timeout)
     * @param lines    the last lines of its combined stdout and stderr (up to {@code keepLines})
     * @param timedOut whether the timeout killed it
     * @param duration how long it ran
     */
    public record Result(List<String> command, int exitCode, List<String> lines, boolean timedOut, Duration duration) {
        public boolean succeeded() {
            return exitCode == 0 && !timedOut;
        }

        public String output() {
            return String.join("\n", lines);
        }

        public String commandLine() {
            return String.join(" ", command);
        }
    }

    /** Runs a command to completion (or until the timeout kills it). */
    public Result run(List<String> command, Path workdir, Duration timeout, int keepLines, Consumer<String> lineSink)
            throws IOException {
        return execute(command, workdir, timeout, keepLines, lineSink, null, null, false);
    }

    /**
     * Runs a command that starts a tree of processes (mkosi: bubblewrap, apt, dpkg, dnf...) under the
     * tree guard ({@code tree-guard.py}): whether the command ends, times out, or the JVM thread
     * that started it dies (SIGKILL included), nothing it started is left running.
     */
    public Result runTree(List<String> command, Path workdir, Duration timeout, int keepLines, Consumer<String> lineSink)
            throws IOException {
        return execute(command, workdir, timeout, keepLines, lineSink, null, null, true);
    }

    /** The one place host commands run: stdout to {@code stdout} when given, else into the lines like stderr. */
    private Result execute(List<String> command, Path workdir, Duration timeout, int keepLines, Consumer<String> lineSink,
                           java.io.OutputStream stdout, java.io.InputStream stdin, boolean guardTree) throws IOException {
        String program = resolve(command.get(0));
        CommandLine cl;
        if (guardTree) {
            cl = new CommandLine(resolve("python3"));
            cl.addArgument("-c", false);
            cl.addArgument(treeGuard(), false);
            cl.addArgument(Long.toString(ProcessHandle.current().pid()), false);
            cl.addArgument(program, false);
        } else {
            cl = new CommandLine(program);
        }
        for (String a : command.subList(1, command.size())) {
            cl.addArgument(a, false);
        }
        Deque<String> tail = new ArrayDeque<>();
        Consumer<String> sink = line -> {
            synchronized (tail) {
                tail.addLast(line);
                while (tail.size() > keepLines) {
                    tail.removeFirst();
                }
            }
            if (lineSink != null) {
                lineSink.accept(line);
            }
        };
        // One line splitter per stream: the two pump threads must not share a line buffer.
        java.io.OutputStream out = stdout != null ? stdout : lines(sink);
        LogOutputStream err = lines(sink);
        ExecuteWatchdog watchdog = ExecuteWatchdog.builder().setTimeout(timeout).get();
        DefaultExecutor executor = DefaultExecutor.builder()
                .setExecuteStreamHandler(new PumpStreamHandler(out, err, stdin))
                .setWorkingDirectory(workdir == null ? Path.of(".") : workdir)
                .get();
        executor.setWatchdog(watchdog);
        executor.setExitValues(null);
        executor.setProcessDestroyer(DESTROYER);
        long start = System.nanoTime();
        int code;
        try {
            code = executor.execute(cl, tools.environment());
        } catch (ExecuteException e) {
            code = e.getExitValue();
        } finally {
            out.close();
            err.close();
        }
        List<String> lines;
        synchronized (tail) {
            lines = new ArrayList<>(tail);
        }
        return new Result(List.copyOf(command), code, lines, watchdog.killedProcess(),
                Duration.ofNanos(System.nanoTime() - start));
    }

    private String resolve(String program) {
        // Resolve on our PATH, not the JVM's: tests and bootimage.path put other tools first.
        return program.indexOf('/') < 0 ? tools.find(program).map(Path::toString).orElse(program) : program;
    }

    private static volatile String treeGuard;

    /** The tree guard's Python source, passed with {@code python3 -c} so no file has to be written. */
    static String treeGuard() {
        String g = treeGuard;
        if (g == null) {
            try (var in = ProcessRunner.class.getResourceAsStream("tree-guard.py")) {
                if (in == null) {
                    throw new IllegalStateException("tree-guard.py is missing from bootimage's jar");
                }
                g = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            treeGuard = g;
        }
        return g;
    }

    private static LogOutputStream lines(Consumer<String> sink) {
        return new LogOutputStream(1, StandardCharsets.UTF_8) {
            @Override
            protected void processLine(String line, int level) {
                sink.accept(line);
            }
        };
    }

    /**
     * A command whose stdout is data (an archive, JSON) rather than lines.
     *
     * @param result what {@link #run} gives: the exit code, the timeout, and stderr's last lines (stdout is not in it)
     * @param stdout everything the command wrote to stdout, as bytes
     */
    public record Captured(Result result, byte[] stdout) {
        /** stderr's last lines, for messages. */
        public String stderr() {
            return result.output();
        }
    }

    /**
     * Runs a command with {@code stdin} (null: none, at end of file at once) and keeps its stdout as bytes; a
     * timeout kills it, and its stderr's last lines are in the result for the caller's message.
     */
    public Captured capture(List<String> command, Path workdir, byte[] stdin, Duration timeout) throws IOException {
        java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
        Result r = execute(command, workdir, timeout, 1000, null, stdout,
                new java.io.ByteArrayInputStream(stdin == null ? new byte[0] : stdin), false);
        return new Captured(r, stdout.toByteArray());
    }

    /** Runs a short command and returns its result, with no line sink. */
    public Result run(List<String> command, Duration timeout) throws IOException {
        return run(command, null, timeout, 200, null);
    }
}
