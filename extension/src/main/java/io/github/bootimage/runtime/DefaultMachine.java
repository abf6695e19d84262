package io.github.bootimage.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import io.github.bootimage.failure.Failures;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;
import io.github.bootimage.MachineInfo;
import io.github.bootimage.Packages;
import io.github.bootimage.boot.RunningGuest;
import io.github.bootimage.boot.net.GuestNetwork;
import io.github.bootimage.boot.net.Networking;
import io.github.bootimage.image.PackageManager;
import io.github.bootimage.process.Waits;
import io.github.bootimage.transport.CommandTransport;
import io.github.bootimage.transport.ConsoleTransport;
import io.github.bootimage.transport.SshKeys;

/** The {@link Machine} users get: a running guest and the transport that reaches it. */
public final class DefaultMachine implements Machine {
    private static final System.Logger LOG = System.getLogger(DefaultMachine.class.getName());

    private final RunningGuest guest;
    private final ConsoleTransport console;
    private final CommandTransport transport;
    private final MachineInfo info;
    private final PackageManager packageManager;
    private final Duration commandTimeout;
    private final Runnable onClose;
    private final SshKeys sshKeys;
    private final GuestNetwork network;
    private volatile boolean closed;

    DefaultMachine(RunningGuest guest, ConsoleTransport console, CommandTransport transport, MachineInfo info,
                   PackageManager packageManager, Duration commandTimeout, SshKeys sshKeys, Runnable onClose) {
        this(guest, console, transport, info, packageManager, commandTimeout, sshKeys, null, onClose);
    }

    /** A machine whose networking is {@code network} (null: none of bootimage's, as a fake's). */
    DefaultMachine(RunningGuest guest, ConsoleTransport console, CommandTransport transport, MachineInfo info,
                   PackageManager packageManager, Duration commandTimeout, SshKeys sshKeys, GuestNetwork network,
                   Runnable onClose) {
        this.sshKeys = sshKeys;
        this.network = network;
        this.guest = guest;
        this.console = console;
        this.transport = transport;
        this.info = info;
        this.packageManager = packageManager;
        this.commandTimeout = commandTimeout;
        this.onClose = onClose;
    }

    @Override
    public ExecResult exec(ExecRequest request) {
        if (closed) {
            throw Failures.machineClosed(info.name(), request.commandLine());
        }
        return transport.exec(request, commandTimeout);
    }

    @Override
    public String succeed(String... argv) {
        ExecRequest r = ExecRequest.of(argv);
        ExecResult res = exec(r);
        if (res.exitCode() != 0) {
            throw Failures.unexpectedExit(info, transport.name(), r.commandLine(), res, "exit code 0");
        }
        return res.stdout();
    }

    @Override
    public String fail(String... argv) {
        ExecRequest r = ExecRequest.of(argv);
        ExecResult res = exec(r);
        if (res.exitCode() == 0) {
            throw Failures.unexpectedExit(info, transport.name(), r.commandLine(), res, "a non-zero exit code");
        }
        return res.stderr();
    }

    @Override
    public void waitForUnit(String unit, Duration timeout) {
        AtomicReference<String> state = new AtomicReference<>("unknown");
        poll("unit " + unit + " to be active on " + info.name(), timeout,
                () -> "failed".equals(state.get()),
                () -> {
                    ExecResult r = exec(ExecRequest.of("systemctl", "is-active", unit));
                    state.set(r.stdout().strip());
                    return r.exitCode() == 0;
                },
                () -> "unit " + unit + " is " + state.get() + "; its status:\n"
                        + exec(ExecRequest.of("systemctl", "status", "--no-pager", "-l", unit)).stdout());
    }

    @Override
    public void waitForPort(int port, Duration timeout) {
        String probe = "exec 3<>/dev/tcp/127.0.0.1/" + port;
        poll("port " + port + " to accept connections on " + info.name(), timeout, () -> false,
                () -> exec(ExecRequest.of("bash", "-c", probe)).exitCode() == 0,
                () -> "nothing listens on port " + port);
    }

    @Override
    public String waitUntilSucceeds(Duration timeout, String... argv) {
        AtomicReference<ExecResult> last = new AtomicReference<>();
        ExecRequest r = ExecRequest.of(argv);
        poll("[" + r.commandLine() + "] to succeed on " + info.name(), timeout, () -> false, () -> {
            last.set(exec(r));
            return last.get().exitCode() == 0;
        }, () -> last.get() == null ? "it never ran" : "last attempt: " + last.get());
        return last.get().stdout();
    }

    private void poll(String alias, Duration timeout, java.util.function.BooleanSupplier failFast,
                      java.util.concurrent.Callable<Boolean> condition, java.util.function.Supplier<String> why) {
        Waits.Outcome o = Waits.until(alias, timeout, Duration.ofMillis(200),
                () -> !guest.isAlive() || failFast.getAsBoolean(), condition);
        if (o == Waits.Outcome.MET) {
            return;
        }
        String w;
        try {
            w = why.get();
        } catch (RuntimeException ex) {
            w = ex.getMessage();
        }
        throw Failures.waitFailed(info.name(), alias, o == Waits.Outcome.IMPOSSIBLE, timeout, w);
    }

    @Override
    public void copyTo(Path hostPath, String guestPath) {
        transport.copyTo(hostPath, guestPath);
    }

    @Override
    public void copyFrom(String guestPath, Path hostPath) {
        transport.copyFrom(guestPath, hostPath);
    }

    @Override
    public Packages packages() {
        return new Packages() {
            @Override
            public boolean isInstalled(String name) {
                return findVersion(name).isPresent();
            }

            @Override
            public String version(String name) {
                ExecRequest r = ExecRequest.of(packageManager.versionQuery(name).toArray(String[]::new));
                ExecResult res = exec(r);
                if (res.exitCode() != 0 || res.stdout().isBlank()) {
                    throw Failures.packageNotInstalled(info, transport.name(), packageManager.tool(), name, r.commandLine(), res);
                }
                return packageManager.parseVersion(res.stdout());
            }

            @Override
            public Optional<String> findVersion(String name) {
                ExecResult res = exec(ExecRequest.of(packageManager.versionQuery(name).toArray(String[]::new)));
                return res.exitCode() == 0 && !res.stdout().isBlank()
                        ? Optional.of(packageManager.parseVersion(res.stdout())) : Optional.empty();
            }
        };
    }

    @Override
    public Map<String, String> osRelease() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : succeed("cat", "/etc/os-release").split("\n")) {
            int eq = line.indexOf('=');
            if (eq <= 0 || line.startsWith("#")) {
                continue;
            }
            String v = line.substring(eq + 1).strip();
            if (v.length() >= 2 && (v.startsWith("\"") || v.startsWith("'")) && v.endsWith(v.substring(0, 1))) {
                v = v.substring(1, v.length() - 1);
            }
            m.put(line.substring(0, eq).strip(), v);
        }
        return m;
    }

    @Override
    public String consoleLog() {
        return console == null ? "" : console.consoleLog();
    }

    @Override
    public String journal() {
        return exec(ExecRequest.of("journalctl", "-b", "--no-pager", "-o", "short-monotonic")).stdout();
    }

    @Override
    public int hostPort(int guestPort) {
        Networking.checkPort(guestPort, info.name());
        requireNetwork("hostPort(" + guestPort + ")");
        return network.hostPort(guestPort);
    }

    @Override
    public void linkDown() {
        links(true);
    }

    @Override
    public void linkUp() {
        links(false);
    }

    private void links(boolean down) {
        String what = down ? "linkDown()" : "linkUp()";
        requireNetwork(what);
        if (!network.request().named()) {
            throw new IllegalStateException(what + " on machine " + info.name() + ": the machine is on no named network"
                    + " (network = \"" + network.request().network() + "\"), so it has no links to take "
                    + (down ? "down" : "up") + ". Declare it with @BootImage(network = \"lan\") and the machines it talks to.");
        }
        network.setLinksDown(down);
    }

    private void requireNetwork(String what) {
        if (closed) {
            throw new IllegalStateException(what + " on machine " + info.name() + ": the machine was closed.");
        }
        if (network == null) {
            throw new UnsupportedOperationException(what + " on machine " + info.name() + ": it has no network of bootimage's.");
        }
    }

    @Override
    public String name() {
        return info.name();
    }

    @Override
    public String distro() {
        return info.distro();
    }

    @Override
    public MachineInfo info() {
        return info;
    }

    /** The running guest, for tools that need its processes. */
    public RunningGuest guest() {
        return guest;
    }

    /** What a guest's login shell starts in: its home, bash when the guest has it, else sh. */
    static final String LOGIN_SHELL = "cd \"$HOME\" 2>/dev/null; if command -v bash >/dev/null 2>&1; then exec bash -l; fi; exec sh -l";

    /**
     * A host command that opens an interactive login shell in the guest on the caller's terminal (run it with
     * the terminal inherited): {@code nsenter} into a guest whose init the host sees (nspawn), else
     * {@code ssh -t} with the machine's key (a machine booted with the SSH transport).
     *
     * @param term the terminal type for the guest ({@code TERM}) when entering with nsenter; null or blank for
     *             "dumb" (ssh passes its own environment's {@code TERM} with the terminal it asks for)
     * @throws IllegalStateException         when the machine was closed
     * @throws UnsupportedOperationException when the guest has neither (qemu with the console transport)
     */
    public List<String> terminalCommand(String term) {
        if (closed) {
            throw new IllegalStateException("No terminal into machine " + info.name() + ": the machine was closed.");
        }
        return terminalCommand(info, guest.initPid(), sshKeys, term);
    }

    static List<String> terminalCommand(MachineInfo info, java.util.OptionalLong initPid, SshKeys keys, String term) {
        String t = term == null || term.isBlank() ? "dumb" : term;
        if (initPid.isPresent()) {
            return List.of("nsenter", "--target", Long.toString(initPid.getAsLong()), "--all", "--",
                    "/usr/bin/env", "-i", "TERM=" + t, "HOME=/root", "USER=root", "LOGNAME=root",
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "/bin/sh", "-c", LOGIN_SHELL);
        }
        if (keys != null && info.sshPort() > 0) {
            return List.of("ssh", "-t", "-i", keys.privateKey().toString(), "-o", "IdentitiesOnly=yes",
                    "-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "LogLevel=ERROR", "-p", Integer.toString(info.sshPort()), "root@127.0.0.1");
        }
        throw new UnsupportedOperationException("No terminal into machine " + info.name() + " (" + info.boot() + ", "
                + info.transport() + " transport): the host cannot enter its namespaces and it has no SSH server."
                + " Boot it with transport = Transport.SSH (bootimage shell --transport ssh) for a terminal.");
    }

    /** A command a person can run to get into this machine. */
    public String loginHint() {
        if (sshKeys != null && info.sshPort() > 0) {
            return guest.loginHint() + "   or   " + sshKeys.loginCommand(info.sshPort());
        }
        return guest.loginHint();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (AutoCloseable c : List.<AutoCloseable>of(transport, guest)) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                if (failure == null) {
                    failure = new io.github.bootimage.BootImageException("Stopping machine " + info.name() + " failed");
                }
                failure.addSuppressed(e);
            }
        }
        if (console != null && console != transport) {
            console.close();
        }
        if (onClose != null) {
            onClose.run();
        }
        LOG.log(System.Logger.Level.DEBUG, "Machine {0} stopped", info.name());
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "Machine[" + info.name() + " " + info.distro() + ":" + info.release() + " " + info.boot() + "/" + info.transport() + "]";
    }
}
