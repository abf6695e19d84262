package io.github.bootimage;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.github.bootimage.internal.Texts;

/**
 * The outcome of a command run in a guest. A non-zero exit code is a result, not an exception.
 *
 * @param exitCode the command's exit status; 128+N when it was killed by signal N
 * @param stdout   everything the command wrote to standard output, decoded as UTF-8
 * @param stderr   everything the command wrote to standard error, decoded as UTF-8
 * @param duration wall-clock time from sending the command to receiving its result
 */
public record ExecResult(int exitCode, String stdout, String stderr, Duration duration) {

    /** Builds a result from raw output bytes. */
    public static ExecResult of(int exitCode, byte[] stdout, byte[] stderr, Duration duration) {
        return new ExecResult(exitCode, new String(stdout, StandardCharsets.UTF_8),
                new String(stderr, StandardCharsets.UTF_8), duration);
    }

    /** True when the exit code is 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }

    @Override
    public String toString() {
        return "exit code " + exitCode + " after " + duration.toMillis() + " ms"
                + Texts.section("stdout", stdout) + Texts.section("stderr", stderr);
    }
}
