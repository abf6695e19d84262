package io.github.bootimage.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.file.StandardCopyOption;
import java.util.List;

import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.failure.Failures;
import io.github.bootimage.process.ProcessRunner;

/**
 * File copy over the console: the host's tar packs (keeping modes), the archive travels as a raw
 * base64 stream after the command line (not as escaped text that bash would read byte by byte), and
 * comes back as wrapped base64 lines; the guest's tar unpacks or packs.
 */
final class TarCopy {
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private TarCopy() {
    }

    static void copyTo(ConsoleTransport t, String machine, String via, Path hostPath, String guestPath) {
        if (!Files.exists(hostPath)) {
            throw new IllegalArgumentException("copyTo: host path " + hostPath + " does not exist");
        }
        Path abs = hostPath.toAbsolutePath();
        byte[] tar;
        try {
            tar = hostTar(List.of("tar", "-C", abs.getParent().toString(), "-cf", "-", abs.getFileName().toString()), null);
        } catch (IOException e) {
            throw Failures.copyFailed(machine, via, "copyTo", hostPath.toString(), guestPath, describe(e), e);
        }
        // Unpack into a scratch directory, then move the single entry to its destination name.
        String script = "set -e; t=$(mktemp -d); tar -C \"$t\" -xpf -; "
                + "mkdir -p \"$(dirname \"$1\")\"; rm -rf \"$1\"; mv \"$t\"/* \"$1\"; rmdir \"$t\"";
        ExecResult r = t.exec(ExecRequest.of("sh", "-c", script, "sh", guestPath).withStdin(tar).withTimeout(TIMEOUT), TIMEOUT);
        if (r.exitCode() != 0) {
            throw Failures.copyFailedInGuest(machine, via, "copyTo", hostPath.toString(), guestPath, null, r);
        }
    }

    static void copyFrom(ConsoleTransport t, String machine, String via, String guestPath, Path hostPath) {
        String script = "cd \"$(dirname \"$1\")\" && tar -cf - \"$(basename \"$1\")\"";
        ConsoleTransport.Bytes b = t.execBinary(ExecRequest.of("sh", "-c", script, "sh", guestPath).withTimeout(TIMEOUT), TIMEOUT);
        if (b.exitCode() != 0) {
            throw Failures.copyFailedInGuest(machine, via, "copyFrom", guestPath, hostPath.toString(), null,
                    ExecResult.of(b.exitCode(), new byte[0], b.stderr(), b.duration()));
        }
        Path tmp = null;
        try {
            Path abs = hostPath.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            tmp = Files.createTempDirectory(abs.getParent(), ".bootimage-copy");
            hostTar(List.of("tar", "-C", tmp.toString(), "-xpf", "-"), b.stdout());
            Path entry;
            try (var s = Files.list(tmp)) {
                entry = s.findFirst().orElseThrow(() -> new IOException("the guest sent an empty archive"));
            }
            if (Files.isDirectory(abs)) {
                io.github.bootimage.image.ImageCache.deleteTree(abs);
            }
            Files.move(entry, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw Failures.copyFailed(machine, via, "copyFrom", guestPath, hostPath.toString(), describe(e), e);
        } finally {
            if (tmp != null) {
                io.github.bootimage.image.ImageCache.deleteTree(tmp);
            }
        }
    }

    /** An I/O failure as messages quote it: hostTar's own messages stand alone, others keep their type. */
    private static String describe(IOException e) {
        return e.getClass() == IOException.class ? e.getMessage() : e.toString();
    }

    /**
     * Runs the host's tar through the project's process runner: bounded by the copy timeout.
     *
     * @throws IOException saying how tar ended and what it wrote to stderr, or why it could not run
     */
    static byte[] hostTar(List<String> cmd, byte[] stdin) throws IOException {
        ProcessRunner.Captured c;
        try {
            c = ProcessRunner.onHostPath().capture(cmd, null, stdin, TIMEOUT);
        } catch (IOException e) {
            throw new IOException("the host's " + String.join(" ", cmd) + " could not run: " + e.getMessage(), e);
        }
        if (!c.result().succeeded()) {
            throw new IOException("the host's " + String.join(" ", cmd) + (c.result().timedOut()
                    ? " ran longer than " + TIMEOUT.toMinutes() + " minutes and was killed"
                    : " exited with code " + c.result().exitCode()) + ": " + c.stderr().strip());
        }
        return c.stdout();
    }
}
