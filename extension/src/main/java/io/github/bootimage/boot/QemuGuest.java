package io.github.bootimage.boot;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.github.bootimage.image.ImageCache;

/**
 * A running qemu VM: the serial line is qemu's stdin and stdout, qemu's own messages (stderr) are
 * kept apart for error messages, and QMP on a Unix socket in the machine's work directory stops it.
 *
 * <p>Stop, in order: {@code system_powerdown} (the guest's ACPI power button, so systemd powers off)
 * with a bounded wait; then QMP {@code quit}; then SIGKILL. The work directory (overlay disk, QMP
 * socket, qemu's log) is removed afterwards, so nothing of the VM remains.
 */
final class QemuGuest implements RunningGuest {
    private static final System.Logger LOG = System.getLogger(QemuGuest.class.getName());
    private static final Duration MONITOR_TIMEOUT = Duration.ofSeconds(3);

    private final Process process;
    private final String name;
    private final String accelerator;
    private final Path workDir;
    private final Path qmpSocket;
    private final int sshPort;
    private final long powerOffMillis;
    private final Deque<String> stderr = new ArrayDeque<>();
    private final Thread stderrReader;
    private final InputStream console;
    private final long startNanos = System.nanoTime();
    private volatile long promptMillis = -1;
    private volatile String kvmError;
    private volatile boolean closed;

    /**
     * @param onKvmError called once when qemu reports a KVM internal error (the guest is then killed,
     *                   so the console sees its end at once)
     */
    QemuGuest(Process process, String name, String accelerator, Path workDir, Path qmpSocket, int sshPort,
              long powerOffMillis, Consumer<String> onKvmError) {
        this.process = process;
        this.name = name;
        this.accelerator = accelerator;
        this.workDir = workDir;
        this.qmpSocket = qmpSocket;
        this.sshPort = sshPort;
        this.powerOffMillis = powerOffMillis;
        this.console = new PromptWatch(process.getInputStream());
        this.stderrReader = new Thread(() -> readStderr(onKvmError), "bootimage-qemu-stderr-" + name);
        this.stderrReader.setDaemon(true);
        this.stderrReader.start();
    }

    private void readStderr(Consumer<String> onKvmError) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                LOG.log(System.Logger.Level.DEBUG, "[qemu {0}] {1}", name, line);
                synchronized (stderr) {
                    stderr.addLast(line);
                    while (stderr.size() > 30) {
                        stderr.removeFirst();
                    }
                }
                if (kvmError == null && line.contains("KVM internal error")) {
                    kvmError = line.strip();
                    // qemu pauses such a guest instead of exiting: end it, so waiting for the console stops.
                    process.destroyForcibly();
                    onKvmError.accept(kvmError);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "stderr of qemu {0} closed: {1}", name, e.getMessage());
        }
    }

    /** qemu's last messages on stderr. */
    String stderrTail() {
        synchronized (stderr) {
            return String.join("\n", stderr);
        }
    }

    @Override
    public InputStream consoleOutput() {
        return console;
    }

    /** Milliseconds from qemu's start to the first root prompt on the serial line, or -1 before it. */
    long promptMillis() {
        return promptMillis;
    }

    /** Notes when the autologin's root prompt first shows on the serial line (for logs and the benchmark). */
    private final class PromptWatch extends java.io.FilterInputStream {
        private final StringBuilder window = new StringBuilder();
        private boolean loggedIn;

        PromptWatch(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0 && promptMillis < 0) {
                window.append(new String(b, off, n, StandardCharsets.ISO_8859_1));
                if (!loggedIn && window.indexOf("(automatic login)") >= 0) {
                    loggedIn = true;
                    window.delete(0, window.indexOf("(automatic login)"));
                }
                if (loggedIn && window.indexOf("# ") >= 0) {
                    promptMillis = (System.nanoTime() - startNanos) / 1_000_000;
                    LOG.log(System.Logger.Level.INFO, "VM {0} showed its root prompt on the serial line {1} ms after qemu started",
                            name, promptMillis);
                }
                if (window.length() > 4096) {
                    window.delete(0, window.length() - 64);
                }
            }
            return n;
        }
    }

    @Override
    public OutputStream consoleInput() {
        return process.getOutputStream();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public String exitDescription() {
        if (process.isAlive()) {
            return QemuBackend.QEMU + " is running (accelerator " + accelerator + ")";
        }
        try {
            stderrReader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StringBuilder b = new StringBuilder(QemuBackend.QEMU + " exited with code " + process.exitValue());
        if (kvmError != null) {
            b.append(" after a KVM error (").append(kvmError).append("); this JVM uses TCG from now on."
                    + " Set bootimage.kvm=off (or auto) to avoid KVM on this host");
        }
        String tail = stderrTail().strip();
        if (!tail.isEmpty()) {
            b.append("; qemu said: ").append(tail.replace("\n", " / "));
        }
        return b.toString();
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public OptionalLong initPid() {
        return OptionalLong.empty();
    }

    @Override
    public String accelerator() {
        return accelerator;
    }

    @Override
    public List<Long> processes() {
        return GuestProcess.tree(process);
    }

    /** A hostfwd rule on qemu's user network, added through the monitor (HMP's hostfwd_add over QMP). */
    @Override
    public synchronized void forwardPort(int hostPort, int guestPort) {
        String rule = "tcp:127.0.0.1:" + hostPort + "-:" + guestPort;
        try (QemuMonitor qmp = QemuMonitor.connect(qmpSocket, MONITOR_TIMEOUT)) {
            String answer = qmp.call("hostfwd_add", "{\"execute\":\"human-monitor-command\",\"arguments\":"
                    + "{\"command-line\":\"hostfwd_add " + rule + "\"}}", MONITOR_TIMEOUT);
            if (!answer.replace(" ", "").contains("\"return\":\"\"")) {
                throw new io.github.bootimage.BootImageException("qemu refused the port forward " + rule + " of VM " + name
                        + ": " + answer);
            }
        } catch (IOException e) {
            throw new io.github.bootimage.BootImageException("Could not forward 127.0.0.1:" + hostPort + " to port "
                    + guestPort + " of VM " + name + " through qemu's monitor: " + e.getMessage(), e);
        }
    }

    /** QMP {@code set_link}: the guest's card {@code id} loses (or regains) its carrier. */
    @Override
    public synchronized void setLink(String id, boolean up) {
        try (QemuMonitor qmp = QemuMonitor.connect(qmpSocket, MONITOR_TIMEOUT)) {
            qmp.call("set_link", "{\"execute\":\"set_link\",\"arguments\":{\"name\":\"" + id + "\",\"up\":" + up + "}}",
                    MONITOR_TIMEOUT);
        } catch (IOException e) {
            throw new io.github.bootimage.BootImageException("Could not set the link " + id + " of VM " + name + " "
                    + (up ? "up" : "down") + " through qemu's monitor: " + e.getMessage(), e);
        }
    }

    @Override
    public String loginHint() {
        return sshPort > 0 ? "ssh -p " + sshPort + " root@127.0.0.1 (with the machine's key)"
                : "the serial console only (see consoleLog()); give the image an SSH server for a shell";
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        try {
            stop();
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            ImageCache.deleteTree(workDir);
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void stop() {
        if (process.isAlive()) {
            try (QemuMonitor qmp = QemuMonitor.connect(qmpSocket, MONITOR_TIMEOUT)) {
                if (promptMillis < 0) {
                    // Still booting (or stuck): nothing in the guest would act on the power button yet.
                    LOG.log(System.Logger.Level.INFO, "VM {0} never reached its login prompt; telling qemu to quit", name);
                    quit(qmp);
                } else if (!powerOff(qmp)) {
                    LOG.log(System.Logger.Level.WARNING, "VM {0} did not power off within {1} ms; telling qemu to quit",
                            name, powerOffMillis);
                    quit(qmp);
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "Clean stop of VM " + name + " through qemu's monitor failed ("
                        + e.getMessage() + "); killing qemu");
            }
        }
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        if (!waitFor(5000)) {
            throw new IllegalStateException("qemu (pid " + process.pid() + ") of VM " + name + " survived SIGKILL");
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // the pipe is gone with qemu
        }
    }

    /** The guest's ACPI power button, then a bounded wait for qemu to exit. */
    private boolean powerOff(QemuMonitor qmp) throws IOException {
        qmp.call("system_powerdown", MONITOR_TIMEOUT);
        return waitFor(powerOffMillis);
    }

    /** QMP quit; qemu may close the socket before it answers, which is fine once it has exited. */
    private void quit(QemuMonitor qmp) throws IOException {
        try {
            qmp.call("quit", MONITOR_TIMEOUT);
        } catch (IOException e) {
            if (!waitFor(3000)) {
                throw e;
            }
        }
        waitFor(3000);
    }

    private boolean waitFor(long millis) {
        try {
            return process.waitFor(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }
}
