package io.github.bootimage.boot;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Stops guests a JVM leaves behind when it dies without running its shutdown hooks (SIGKILL, a
 * crash, an out-of-memory kill). Each JVM starts one small shell process in its own session that
 * waits for the end of a pipe from the JVM; each running machine is registered as a file listing
 * its processes (with their start times) and work directory. When the JVM is gone the reaper halts
 * the guests, kills what is left after a grace period, and removes the files. Registrations of JVMs
 * that died earlier while no reaper ran are reaped at the next start.
 */
public final class Reaper {
    private static final System.Logger LOG = System.getLogger(Reaper.class.getName());
    private static volatile Reaper instance;

    private final Path dir;
    private final Process process;

    private Reaper(Path registry, Path script) throws IOException {
        this.dir = registry.resolve(Long.toString(ProcessHandle.current().pid()));
        Files.createDirectories(dir);
        process = new ProcessBuilder("setsid", "sh", script.toString(), dir.toString(), "5")
                .redirectOutput(ProcessBuilder.Redirect.appendTo(registry.resolve("reaper.log").toFile()))
                .redirectErrorStream(true)
                .start();
    }

    /** The reaper of this JVM, started on first use; earlier JVMs' leftovers are reaped first. */
    public static Reaper get(Path runtimeDir) {
        Reaper r = instance;
        if (r == null) {
            synchronized (Reaper.class) {
                if (instance == null) {
                    Path registry = runtimeDir.resolve("registry");
                    try {
                        Files.createDirectories(registry);
                        Path script = writeScript(registry);
                        reapOrphans(registry, script);
                        instance = new Reaper(registry, script);
                    } catch (IOException e) {
                        throw new UncheckedIOException("Could not start the bootimage reaper in " + registry, e);
                    }
                }
                r = instance;
            }
        }
        return r;
    }

    /** Registers (or updates) a running guest. */
    public void register(String machine, RunningGuest guest, Path workDir) {
        List<String> lines = new ArrayList<>();
        long top = guest.pid();
        startTime(top).ifPresent(t -> lines.add("halt " + top + " " + t));
        for (long pid : guest.processes()) {
            startTime(pid).ifPresent(t -> lines.add("kill " + pid + " " + t));
        }
        lines.add("dir " + workDir);
        registerLines(machine, lines);
    }

    /**
     * Registers other things to remove if the JVM dies, under {@code key}: lines such as "netns NAME"
     * (a network namespace: {@code ip netns delete}), "kill PID START" and "dir PATH".
     */
    public void registerLines(String key, List<String> lines) {
        try {
            Path tmp = dir.resolve(key + ".tmp");
            Files.write(tmp, lines, StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(key + ".reap"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Could not register machine " + key + " with the reaper", e);
        }
    }

    /** Forgets a guest that was stopped. */
    public void unregister(String machine) {
        try {
            Files.deleteIfExists(dir.resolve(machine + ".reap"));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Could not unregister machine " + machine + " from the reaper", e);
        }
    }

    /** The reaper's process id (for tests). */
    public long pid() {
        return process.pid();
    }

    /** A process's start time in clock ticks since boot (field 22 of /proc/PID/stat). */
    public static OptionalLong startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalLong.of(Long.parseLong(f[19]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    private static Path writeScript(Path registry) throws IOException {
        Path script = registry.resolve("reaper.sh");
        try (InputStream s = Reaper.class.getResourceAsStream("reaper.sh")) {
            Path tmp = Files.createTempFile(registry, "reaper", ".sh");
            Files.write(tmp, s.readAllBytes());
            Files.move(tmp, script, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return script;
    }

    /** Runs the reaper script now (its stdin at end of file) for registrations of JVMs that are gone. */
    static void reapOrphans(Path registry, Path script) throws IOException {
        try (var dirs = Files.list(registry)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                long pid;
                try {
                    pid = Long.parseLong(d.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                try {
                    Process p = new ProcessBuilder("sh", script.toString(), d.toString(), "5")
                            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                            .redirectErrorStream(true).start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                    p.waitFor();
                    if (!out.isEmpty()) {
                        LOG.log(System.Logger.Level.WARNING, "Reaped guests left by an earlier JVM (pid {0}): {1}", pid, out);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
