package io.github.bootimage.boot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A guest's host process tree, started under a pseudo-terminal through util-linux {@code script}
 * when asked, and stopped in order: a signal that makes the guest halt cleanly, a bounded wait,
 * then SIGKILL to everything that is left, deepest first.
 */
public final class GuestProcess implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GuestProcess.class.getName());

    private final Process process;
    private final String what;

    private GuestProcess(Process process, String what) {
        this.process = process;
        this.what = what;
    }

    /**
     * Starts {@code argv}; with {@code pty}, under a pseudo-terminal (its console), else with pipes.
     *
     * @param what a name for messages, such as "systemd-nspawn"
     */
    public static GuestProcess start(List<String> argv, boolean pty, String what, String path) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (pty) {
            cmd.addAll(List.of("script", "-qfec", shellJoin(argv), "/dev/null"));
        } else {
            cmd.addAll(argv);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PATH", path);
        pb.environment().put("TERM", "dumb");
        pb.environment().put("SYSTEMD_LOG_COLOR", "0");
        return new GuestProcess(pb.start(), what);
    }

    /** Quotes arguments for /bin/sh. */
    public static String shellJoin(List<String> argv) {
        StringBuilder b = new StringBuilder();
        for (String a : argv) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append('\'').append(a.replace("'", "'\\''")).append('\'');
        }
        return b.toString();
    }

    public InputStream output() {
        return process.getInputStream();
    }

    public OutputStream input() {
        return process.getOutputStream();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    /** The direct child of the wrapper whose command is {@code name} (nspawn under script). */
    public Optional<ProcessHandle> child(String name) {
        return process.toHandle().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/" + name) || c.equals(name)).orElse(false))
                .findFirst();
    }

    /** The wrapper and all its descendants, now. */
    public List<Long> processes() {
        return tree(process);
    }

    /** A process, while it runs, and all its descendants, now. */
    static List<Long> tree(Process process) {
        List<Long> all = new ArrayList<>();
        if (process.isAlive()) {
            all.add(process.pid());
        }
        process.toHandle().descendants().forEach(p -> all.add(p.pid()));
        return all;
    }

    public String exitDescription() {
        if (process.isAlive()) {
            return what + " is running";
        }
        return what + " exited with code " + process.exitValue();
    }

    /** Stops the tree: SIGTERM to the top process, then SIGKILL to what is left after 2 s. */
    @Override
    public void close() {
        stop(process::destroy, 2000);
    }

    /**
     * Stops the tree: {@code halt} asks for a clean stop (for nspawn, SIGTERM to nspawn); after
     * {@code graceMillis} everything left gets SIGKILL, descendants first.
     */
    public void stop(Runnable halt, long graceMillis) {
        List<ProcessHandle> tree = new ArrayList<>(process.toHandle().descendants().toList());
        try {
            halt.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Clean stop of " + what + " failed; killing it", e);
        }
        try {
            if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "{0} (pid {1}) did not stop within {2} ms; killing it",
                        what, process.pid(), graceMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tree.addAll(process.toHandle().descendants().toList());
        // Deepest (latest started) first, so a guest's init dies before the nspawn that watches it.
        for (int i = tree.size() - 1; i >= 0; i--) {
            if (tree.get(i).isAlive()) {
                tree.get(i).destroyForcibly();
            }
        }
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            for (ProcessHandle h : tree) {
                h.onExit().get(5, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "Processes of " + what + " still running after SIGKILL", e);
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
