package io.github.bootimage.runner;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Whether a qemu guest actually runs under an accelerator: boots a Linux kernel with no root file
 * system and watches its serial console. A working accelerator prints {@code Linux version} within
 * a second; a broken KVM (nested virtualisation) either reports {@code KVM internal error} or makes
 * no progress at all. {@code /dev/kvm} opening is not enough: here it opens and guests still die.
 */
final class KvmProbe {
    private KvmProbe() {
    }

    /**
     * The verdict.
     *
     * @param usable  whether the guest kernel started
     * @param detail  what was seen: time to the kernel banner, or the error and the last console line
     */
    record Result(boolean usable, String detail) {
    }

    /** A kernel to probe with: the given one, the host's, or one from a cached image. */
    static Optional<Path> findKernel(Path given, Path cacheDir) {
        if (given != null) {
            return Files.isRegularFile(given) ? Optional.of(given) : Optional.empty();
        }
        List<Path> found = new ArrayList<>();
        glob(Path.of("/boot"), "vmlinuz-*", found);
        if (Files.isDirectory(cacheDir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(cacheDir)) {
                for (Path e : s) {
                    glob(e, "image.vmlinuz", found);
                    glob(e.resolve("image").resolve("boot"), "vmlinuz-*", found);
                }
            } catch (IOException e) {
                // no kernels there
            }
        }
        return found.stream().findFirst();
    }

    private static void glob(Path dir, String pattern, List<Path> out) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, pattern)) {
            s.forEach(p -> {
                if (Files.isRegularFile(p)) {
                    out.add(p);
                }
            });
        } catch (IOException e) {
            // skip
        }
    }

    /** Whether /dev/kvm opens read-write, or why not. */
    static Optional<String> devKvmProblem() {
        Path dev = Path.of("/dev/kvm");
        if (!Files.exists(dev)) {
            return Optional.of("/dev/kvm does not exist (no KVM module loaded, or virtualisation disabled)");
        }
        try (var ch = java.nio.channels.FileChannel.open(dev, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("/dev/kvm cannot be opened: " + e.getMessage() + " (join the kvm group or run as root)");
        }
    }

    /** Boots {@code kernel} under {@code accel} (kvm or tcg) for at most {@code seconds}. */
    static Result run(String qemu, String accel, Path kernel, int seconds) throws IOException, InterruptedException {
        List<String> cmd = List.of(qemu, "-accel", accel, "-M", "q35", "-m", "256", "-nodefaults", "-display", "none",
                "-no-reboot", "-serial", "stdio", "-kernel", kernel.toString(), "-append", "console=ttyS0 panic=-1");
        Process p = new ProcessBuilder(cmd).start();
        long t0 = System.nanoTime();
        StringBuilder out = new StringBuilder();
        StringBuilder errors = new StringBuilder();
        Thread reader = new Thread(() -> read(p.getInputStream(), out), "kvm-probe-console");
        Thread errReader = new Thread(() -> read(p.getErrorStream(), errors), "kvm-probe-stderr");
        for (Thread t : List.of(reader, errReader)) {
            t.setDaemon(true);
            t.start();
        }
        try {
            long deadline = t0 + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                String s;
                synchronized (out) {
                    s = out.toString();
                }
                if (s.contains("Linux version")) {
                    return new Result(true, "guest kernel started in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                }
                boolean internal;
                synchronized (errors) {
                    internal = errors.indexOf("KVM internal error") >= 0 || s.contains("KVM internal error");
                }
                if (internal || !p.isAlive()) {
                    break;
                }
                Thread.sleep(50);
            }
        } finally {
            p.destroy();
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
            }
            reader.join(1000);
            errReader.join(1000);
        }
        String console;
        String err;
        synchronized (out) {
            console = out.toString();
        }
        synchronized (errors) {
            err = errors.toString();
        }
        return new Result(false, explain(console, err, seconds));
    }

    private static String explain(String console, String stderr, int seconds) {
        List<String> errs = stderr.lines().map(String::strip).filter(l -> !l.isEmpty())
                .filter(l -> !l.contains("terminating on signal")).toList();
        for (String l : errs) {
            if (l.contains("KVM internal error") || l.contains("Could not access KVM") || l.contains("failed to initialize kvm")
                    || l.contains("error")) {
                return l;
            }
        }
        List<String> lines = console.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        String where = lines.isEmpty() ? "it printed nothing on its console"
                : "its console stopped at \"" + MatrixReport.shorten(lines.get(lines.size() - 1), 80) + "\"";
        return "the guest made no progress in " + seconds + " s: " + where + ", the kernel never printed its banner"
                + " (typical of nested virtualisation that KVM cannot run)";
    }

    private static void read(InputStream in, StringBuilder out) {
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                synchronized (out) {
                    if (out.length() < 200_000) {
                        out.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                    }
                }
            }
        } catch (IOException e) {
            // process ended
        }
    }
}
