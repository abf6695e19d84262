package io.github.bootimage;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

import io.github.bootimage.runtime.Texts;

/**
 * The outcome of a command run in a guest. A non-zero exit code is a result, not an exception.
 * The output is kept as the exact bytes the command wrote: {@link #stdoutBytes()} for binary output,
 * {@link #stdout()} for the same bytes decoded as UTF-8.
 */
public final class ExecResult {
    private final int exitCode;
    private final byte[] stdout;
    private final byte[] stderr;
    private final Duration duration;

    /**
     * @param exitCode the command's exit status; 128+N when it was killed by signal N
     * @param stdout   everything the command wrote to standard output
     * @param stderr   everything the command wrote to standard error
     * @param duration wall-clock time from sending the command to receiving its result
     */
    public ExecResult(int exitCode, String stdout, String stderr, Duration duration) {
        this(exitCode, stdout.getBytes(StandardCharsets.UTF_8), stderr.getBytes(StandardCharsets.UTF_8), duration);
    }

    private ExecResult(int exitCode, byte[] stdout, byte[] stderr, Duration duration) {
        this.exitCode = exitCode;
        this.stdout = stdout;
        this.stderr = stderr;
        this.duration = Objects.requireNonNull(duration, "duration");
    }

    /** Builds a result from raw output bytes (kept as they are). */
    public static ExecResult of(int exitCode, byte[] stdout, byte[] stderr, Duration duration) {
        return new ExecResult(exitCode, stdout.clone(), stderr.clone(), duration);
    }

    /** The command's exit status; 128+N when it was killed by signal N. */
    public int exitCode() {
        return exitCode;
    }

    /** Standard output decoded as UTF-8 (bytes that are not UTF-8 become U+FFFD: use {@link #stdoutBytes()}). */
    public String stdout() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** Standard error decoded as UTF-8. */
    public String stderr() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    /** Exactly the bytes the command wrote to standard output. */
    public byte[] stdoutBytes() {
        return stdout.clone();
    }

    /** Exactly the bytes the command wrote to standard error. */
    public byte[] stderrBytes() {
        return stderr.clone();
    }

    /** Wall-clock time from sending the command to receiving its result. */
    public Duration duration() {
        return duration;
    }

    /** True when the exit code is 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExecResult r && r.exitCode == exitCode && Arrays.equals(r.stdout, stdout)
                && Arrays.equals(r.stderr, stderr) && r.duration.equals(duration);
    }

    @Override
    public int hashCode() {
        return Objects.hash(exitCode, Arrays.hashCode(stdout), Arrays.hashCode(stderr), duration);
    }

    @Override
    public String toString() {
        return "exit code " + exitCode + " after " + duration.toMillis() + " ms" + sections();
    }

    /** The stdout and stderr sections of messages (head and tail of long output), each on its own lines. */
    String sections() {
        return Texts.section("stdout", stdout()) + Texts.section("stderr", stderr());
    }
}
