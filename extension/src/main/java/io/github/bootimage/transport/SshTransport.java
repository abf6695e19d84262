package io.github.bootimage.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.Signal;
import net.schmizz.sshj.userauth.UserAuthException;

import io.github.bootimage.failure.Failures;
import io.github.bootimage.CommandFailedException;
import io.github.bootimage.CommandTimeoutException;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.MachineLaunchException;

/**
 * Commands over one persistent sshj connection to the guest's sshd: stdout and stderr apart, the exit
 * status (128+N for a signal, as on the console), a per-command timeout, and several threads at once (up
 * to {@value #MAX_SESSIONS} commands, the rest wait). The
 * socket has TCP_NODELAY (without it, Nagle's algorithm costs about 45 ms a command). The guest's host
 * key is pinned: only the keys read from the guest over its console are accepted. Files travel over
 * SFTP ({@link SftpCopy}).
 *
 * <p><b>Agent sessions</b> (bootimage.ssh.agent, on by default): up to {@value #MAX_AGENTS} long-lived sessions
 * each run the bootimage agent ({@code console-agent.sh}, sent with the session's command), and a command goes to
 * an idle one as a request line and comes back as a checked frame, as over the agent channel ({@link AgentSession}).
 * That spares each command sshd's fork, a login shell's start and the wrapper below (exec(true) took 1.8x
 * {@code nsenter} that way). A timeout kills the command's process group. A command that finds every agent busy,
 * or runs where the agent cannot start (no bash), gets a session of its own:
 *
 * <p><b>A session per command</b> ({@link #wrap}): a timeout kills the command's whole process tree (every
 * process whose environment holds the command's {@code BOOTIMAGE_EXEC} tag).
 * <b>A command returns when its own process exits</b>, as over the agent: a child it leaves running
 * would hold the session's pipes open (sshd ends a session only when they close), so the command's
 * output goes to files of its own in the guest ({@code /run}, else {@code $TMPDIR}) that
 * {@link #wrap} sends once it exits; the child keeps running and writes into its own files, which
 * are deleted later, many commands' at a time.
 *
 * <pre>{@code
 * SshTransport ssh = SshTransport.connect("bi-debian-1", port, keys, console, guest::isAlive, Duration.ofSeconds(90));
 * ExecResult r = ssh.exec(ExecRequest.of("uname", "-r"), Duration.ofSeconds(30));
 * }</pre>
 */
public final class SshTransport implements CommandTransport {
    static final System.Logger LOG = System.getLogger(SshTransport.class.getName());
    /** OpenSSH's MaxSessions is 10 a connection: keep two for kills and copies. */
    static final int MAX_SESSIONS = 8;
    private static final AtomicLong TAGS = new AtomicLong();
    /** Building sshj's algorithm lists takes a while; they are never changed, so every client shares them. */
    private static final DefaultConfig CONFIG = new DefaultConfig();
    /** Stdin up to this size is written by the calling thread (it fits in sshd's channel window). */
    private static final int INLINE_STDIN = 256 * 1024;
    /**
     * The window each channel offers sshd: all of a command's stderr fits while its stdout is read (sshd
     * never waits for the host), so one thread reads both; the bytes are kept in memory as the result is.
     */
    static final long CHANNEL_WINDOW = Integer.MAX_VALUE;
    /** Finished commands' output files are deleted this many at a time (and the rest when the transport closes). */
    static final int DELETE_BATCH = 32;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bootimage-ssh-watchdog");
        t.setDaemon(true);
        return t;
    });

    /**
     * At most this many long-lived sessions run the agent; a command that finds them all busy gets a session of
     * its own. With OpenSSH's MaxSessions of 10 that leaves room for such sessions, copies and kills.
     */
    static final int MAX_AGENTS = 4;
    /** How long an agent session may take to start before the transport falls back to a session per command. */
    static final Duration AGENT_START = Duration.ofSeconds(15);

    private final SshTarget target;
    private final Duration connectTimeout;
    private final boolean agents;
    /** Agent sessions no command uses at the moment; {@link #openAgents} counts them and the busy ones. */
    private final java.util.Deque<AgentSession> idleAgents = new java.util.ArrayDeque<>();
    private int openAgents;
    /** Why agent sessions are off for this connection (the agent could not start), or null. */
    private volatile String agentsOff;
    /** Whether agent sessions start commands through the image's agent-spawn (see {@link #forkEachCommand}). */
    private volatile boolean spawn = true;
    /** Whether an agent session was started (the transport's close then removes what a killed agent left). */
    private volatile boolean startedAgents;
    private final ExecutorService pumps;
    private final Semaphore sessions = new Semaphore(MAX_SESSIONS, true);
    private final String tagPrefix = "bi" + Long.toHexString(System.nanoTime() & 0xffffffL);
    /** Tags of finished commands whose output files are still to be deleted. */
    private final Queue<String> finished = new ConcurrentLinkedQueue<>();
    private final AtomicInteger finishedCount = new AtomicInteger();

    /** The start of this connection's command tags (its output files are /run/bootimage-TAG.o and .e). */
    String tagPrefix() {
        return tagPrefix;
    }
    private volatile SSHClient client;
    private volatile boolean closed;

    private SshTransport(SshTarget target, Duration connectTimeout, boolean agents) {
        this.target = target;
        this.connectTimeout = connectTimeout;
        this.agents = agents;
        this.pumps = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "bootimage-ssh-" + target.machine());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects to a booted guest: reads its host keys and waits for its authorized key over the console,
     * waits for the {@code SSH-2.0} banner, then connects and authenticates.
     *
     * @throws MachineLaunchException naming the machine and what failed, with the console tail
     */
    public static SshTransport connect(String machine, int port, SshKeys keys, ConsoleTransport console,
                                       BooleanSupplier alive, Duration timeout) {
        return connect(machine, port, keys, console, alive, timeout, true);
    }

    /**
     * As {@link #connect(String, int, SshKeys, ConsoleTransport, BooleanSupplier, Duration)}.
     *
     * @param agents whether commands run through agents on long-lived sessions (bootimage.ssh.agent), or each
     *               in a session of its own
     */
    public static SshTransport connect(String machine, int port, SshKeys keys, ConsoleTransport console,
                                       BooleanSupplier alive, Duration timeout, boolean agents) {
        SshTarget t = new SshTarget(machine, "127.0.0.1", port, "root", keys, List.of(), alive, () -> console.consoleTail(30));
        long start = System.nanoTime();
        t = t.withHostKeys(GuestHostKeys.read(t, console, timeout));
        Duration left = timeout.minusNanos(System.nanoTime() - start);
        return open(t, left.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : left, agents);
    }

    /** Waits for the banner, connects and authenticates to a target whose host keys are known; commands run through agents. */
    public static SshTransport open(SshTarget target, Duration timeout) {
        return open(target, timeout, true);
    }

    /**
     * Waits for the banner, connects and authenticates to a target whose host keys are known.
     *
     * @param agents whether commands run through agents on long-lived sessions, or each in a session of its own
     */
    public static SshTransport open(SshTarget target, Duration timeout, boolean agents) {
        long start = System.nanoTime();
        SshReadiness.awaitBanner(target, timeout);
        SshTransport t = new SshTransport(target, timeout, agents);
        try {
            t.client = t.login();
        } catch (RuntimeException e) {
            t.pumps.shutdownNow();
            throw e;
        }
        LOG.log(System.Logger.Level.DEBUG, "SSH to {0} at {1} ready in {2} ms", target.machine(), target.endpoint(),
                (System.nanoTime() - start) / 1_000_000);
        return t;
    }

    private SSHClient login() {
        SSHClient c = new SSHClient(CONFIG);
        c.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1000, connectTimeout.toMillis())));
        c.addHostKeyVerifier(new SshPinnedHostKeys(target.hostKeys()));
        String what = "connecting to " + target.endpoint();
        try {
            c.connect(target.host(), target.port());
            c.getSocket().setTcpNoDelay(true);
            c.getConnection().setWindowSize(CHANNEL_WINDOW);
            what = "authenticating as " + target.user() + " with the machine's key " + target.keys().privateKey();
            c.authPublickey(target.user(), c.loadKeys(target.keys().privateKey().toString()));
            return c;
        } catch (UserAuthException e) {
            closeQuietly(c);
            throw Failures.sshAuthRefused(target.machine(), target.endpoint(), e.getMessage(), target.tail(), e);
        } catch (IOException e) {
            closeQuietly(c);
            List<String> pinned = e instanceof net.schmizz.sshj.transport.TransportException te
                    && te.getDisconnectReason() == net.schmizz.sshj.common.DisconnectReason.HOST_KEY_NOT_VERIFIABLE
                    ? target.hostKeys().stream().map(k -> k.split("\\s+")[0]).toList() : null;
            throw Failures.sshLoginFailed(target.machine(), what, describe(e), pinned, target.tail(), e);
        }
    }

    @Override
    public String name() {
        return "ssh";
    }

    /** The endpoint, such as {@code root@127.0.0.1:40022}. */
    public String endpoint() {
        return target.endpoint();
    }

    /** Whether the connection's socket has TCP_NODELAY (it must, for speed). */
    public boolean tcpNoDelay() {
        try {
            return client.getSocket().getTcpNoDelay();
        } catch (IOException e) {
            return false;
        }
    }

    /** Drops a connection found dead and returns a new one (another thread may have replaced it already). */
    private SSHClient reconnect(ExecRequest request, SSHClient dead) {
        synchronized (this) {
            if (client == dead) {
                closeQuietly(dead);
                client = null;
            }
        }
        return client(request);
    }

    /** Whether the current connection is up (false once the server side dropped it). */
    boolean connected() {
        SSHClient c = client;
        return c != null && c.isConnected();
    }

    /** The live connection; reconnects once when it dropped and the guest still runs. */
    SSHClient client(ExecRequest request) {
        SSHClient c = client;
        if (c != null && c.isConnected() && c.isAuthenticated()) {
            return c;
        }
        synchronized (this) {
            if (closed) {
                throw gone(request, "the transport was closed", null);
            }
            if (client != null && client.isConnected() && client.isAuthenticated()) {
                return client;
            }
            if (!target.alive().getAsBoolean()) {
                throw gone(request, "the guest stopped", null);
            }
            LOG.log(System.Logger.Level.INFO, "SSH connection to {0} was lost; reconnecting", target.machine());
            closeQuietly(client);
            try {
                client = login();
            } catch (MachineLaunchException e) {
                // The reason is quoted once; the console tail comes once, at the end of this message.
                throw gone(request, "the SSH connection had dropped and reconnecting failed: " + e.reason(), null, e);
            }
            return client;
        }
    }

    @Override
    public ExecResult exec(ExecRequest request, Duration defaultTimeout) {
        Duration timeout = request.timeout() != null ? request.timeout() : defaultTimeout;
        acquire(request);
        try {
            AgentSession agent = borrowAgent(request);
            return agent != null ? onAgent(agent, request, timeout) : inOwnSession(request, timeout);
        } finally {
            sessions.release();
        }
    }

    /**
     * A long-lived session running the bootimage agent ({@code console-agent.sh}, sent with the session's
     * command and started in a directory of its own under {@code /run}, removed when the session ends): a
     * command then costs the agent's fork and one round trip, instead of sshd's fork, a login shell's start and
     * the wrapper's subshell, and means what it means over the agent channel (exact bytes checked against the
     * frame's lengths and cksums, stdin at end of file unless given, a return when the command's own process
     * exits, 128+N for a signal, a timeout that kills the command's process group).
     */
    private record AgentSession(Session session, ConsoleTransport agent, SSHClient client) {
        boolean usable() {
            return !agent.ended() && session.isOpen() && client.isConnected();
        }

        void close() {
            agent.close();
            closeQuietly(session);
        }
    }

    /**
     * Agent sessions started from now on fork for every command, not through agent-spawn
     * (bootimage.agent.spawn=false). Call it before the first command.
     */
    public void forkEachCommand() {
        spawn = false;
    }

    /** Why agent sessions are off for this connection, or null while they are used. */
    String agentsOff() {
        return agentsOff;
    }

    /**
     * The shell line that starts an agent session: the agent's script travels with it, as base64, into a
     * directory named {@code bootimage-agent-<tag prefix>-<n>} under {@code /run}, which goes when the agent ends
     * (and, for an agent that was killed, when the transport closes). Without {@code spawn} the agent forks
     * for every command instead of starting it through the image's agent-spawn.
     */
    static String agentCommand(String dirName, boolean spawn) {
        return "d=/run; [ -w /run ] || d=${TMPDIR:-/tmp}; d=$d/" + dirName + "; mkdir -m 700 \"$d\" || exit 1;"
                + " printf %s " + ConsoleTransport.agentScriptBase64() + " | base64 -d >\"$d/agent.sh\" && BOOTIMAGE_AGENT_DIR=\"$d\""
                + (spawn ? "" : " BOOTIMAGE_AGENT_SPAWN=none") + " bash \"$d/agent.sh\" ssh;"
                + " r=$?; rm -rf -- \"$d\"; exit $r";
    }

    /** An idle agent session, a new one while fewer than {@value #MAX_AGENTS} are open, or null: a session of its own. */
    private AgentSession borrowAgent(ExecRequest request) {
        if (!agents || agentsOff != null || closed) {
            return null;
        }
        synchronized (idleAgents) {
            for (AgentSession a; (a = idleAgents.pollFirst()) != null; ) {
                if (a.usable()) {
                    return a;
                }
                a.close();
                openAgents--;
            }
            if (openAgents >= MAX_AGENTS) {
                return null;
            }
            openAgents++;
        }
        try {
            return startAgent(request);
        } catch (RuntimeException | IOException e) {
            synchronized (idleAgents) {
                openAgents--;
            }
            if (connected()) {
                agentsOff = describe(e);
                LOG.log(System.Logger.Level.WARNING, "The agent could not start over SSH on " + target.machine()
                        + "; commands get a session each from now on: " + agentsOff);
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            synchronized (idleAgents) {
                openAgents--;
            }
            throw Failures.interrupted(target.machine(), "ssh", request.commandLine(), true);
        }
    }

    private AgentSession startAgent(ExecRequest request) throws IOException, InterruptedException {
        SSHClient c = client(request);
        Session s = SshSessions.startSession(c);
        try {
            Session.Command cmd = s.exec(agentCommand("bootimage-agent-" + tagPrefix + "-" + TAGS.incrementAndGet(), spawn));
            ConsoleTransport t = ConsoleTransport.overStream(target.machine(), "ssh", cmd.getInputStream(),
                    cmd.getOutputStream(), () -> "its SSH session ended");
            try {
                t.awaitReady(AGENT_START);
            } catch (RuntimeException e) {
                t.close();
                throw e;
            }
            startedAgents = true;
            return new AgentSession(s, t, c);
        } catch (IOException | RuntimeException e) {
            closeQuietly(s);
            throw e;
        }
    }

    private ExecResult onAgent(AgentSession a, ExecRequest request, Duration timeout) {
        boolean keep = false;
        try {
            ExecResult r = a.agent().exec(request, timeout);
            keep = true;
            return r;
        } catch (CommandTimeoutException e) {
            // The agent's own timeout report (with the output so far) leaves it ready for the next command; no
            // answer at all means it is stuck with this one, so it goes.
            keep = e.partial() != null && a.usable();
            throw e;
        } catch (RuntimeException e) {
            if (a.usable()) {
                keep = true;
                throw e;
            }
            // The session or the connection ended under the command: the error a session of its own gives.
            if (closed) {
                throw gone(request, "the transport was closed", null);
            }
            throw gone(request, connectionOutlives(a.client()) ? "its SSH session to " + target.endpoint() + " ended while it ran"
                    : "the SSH connection to " + target.endpoint() + " dropped while it ran", null);
        } finally {
            synchronized (idleAgents) {
                if (keep && !closed) {
                    idleAgents.addFirst(a);
                } else {
                    openAgents--;
                    a.close();
                }
            }
        }
    }

    /**
     * Whether the connection is still up half a second after an agent's session ended: a dropped connection ends
     * the session's stream first, and sshj notices the connection's end a moment later.
     */
    private static boolean connectionOutlives(SSHClient c) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        while (c.isConnected() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return c.isConnected();
    }

    /** A command in a session of its own, wrapped by {@link #wrap}; the caller holds its permit. */
    private ExecResult inOwnSession(ExecRequest request, Duration timeout) {
        String tag = tagPrefix + "-" + TAGS.incrementAndGet();
        String rendered = ShellCommand.render(request);
        long start = System.nanoTime();
        boolean ran = false;
        List<String> delete = toDelete();
        try {
            String command = wrap(tag, rendered, delete);
            SSHClient checked = client(request);
            Session opened;
            try {
                opened = SshSessions.startSession(checked);
            } catch (IllegalStateException | net.schmizz.sshj.transport.TransportException e) {
                // The connection died between the liveness check and the open: forget it and reconnect once.
                checked = reconnect(request, checked);
                opened = SshSessions.startSession(checked);
            }
            SSHClient c = checked;
            try (Session session = opened) {
                Session.Command cmd = session.exec(command);
                // The calling thread reads stdout; one pump drains stderr (and feeds a big stdin), so at most
                // one thread hand-off per command. A watchdog kills the command at its deadline, which ends the reads.
                AtomicBoolean timedOut = new AtomicBoolean();
                ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> pumps.submit(() -> {
                    timedOut.set(true);
                    SshSessions.kill(target.machine(), c, cmd, tag);
                    closeQuietly(session);
                }), timeout.toNanos(), TimeUnit.NANOSECONDS);
                try {
                    ExecResult r = run(request, session, cmd, timedOut, start, timeout);
                    ran = true;
                    return r;
                } catch (IOException e) {
                    if (timedOut.get()) {
                        throw timeoutException(request, timeout);
                    }
                    throw e;
                } finally {
                    watchdog.cancel(false);
                }
            }
        } catch (net.schmizz.sshj.connection.channel.OpenFailException e) {
            throw gone(request, "sshd at " + target.endpoint() + " refused a new session for 2 s (MaxSessions?)", e);
        } catch (ExecutionException e) {
            throw gone(request, "the SSH connection to " + target.endpoint() + " dropped while it ran", e.getCause());
        } catch (IOException e) {
            throw gone(request, "the SSH connection to " + target.endpoint() + " dropped while it ran", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failures.interrupted(target.machine(), "ssh", request.commandLine(), false);
        } finally {
            finished(tag, ran ? List.of() : delete);
        }
    }

    /**
     * The files of finished commands to delete with the next command, once {@value #DELETE_BATCH} have
     * finished: one background {@code rm} for many commands, never on a command's own latency path.
     */
    private List<String> toDelete() {
        if (finishedCount.get() < DELETE_BATCH) {
            return List.of();
        }
        List<String> batch = new ArrayList<>();
        String t;
        while (batch.size() < 2 * DELETE_BATCH && (t = finished.poll()) != null) {
            finishedCount.decrementAndGet();
            batch.add(t);
        }
        return batch;
    }

    /** Notes a command's files for deletion, and gives back a batch its command did not get to delete. */
    private void finished(String tag, List<String> notDeleted) {
        for (String t : notDeleted) {
            finished.add(t);
            finishedCount.incrementAndGet();
        }
        finished.add(tag);
        finishedCount.incrementAndGet();
    }

    /**
     * The shell line sshd runs for a command: it runs in a subshell with its output in files named by
     * its tag, and the line ends with the command's own exit status once the files are sent. The
     * shell's own note on a child killed by a signal ("Terminated") goes nowhere, as on the agent.
     * Finished commands' files ({@code delete}: their tags) go in the background, {@value #DELETE_BATCH}
     * or more commands at a time, so no command waits for an {@code rm}; the rest go when the transport closes.
     */
    static String wrap(String tag, String command, List<String> delete) {
        StringBuilder b = new StringBuilder("export BOOTIMAGE_EXEC=").append(tag)
                .append("; d=/run; [ -w /run ] || d=${TMPDIR:-/tmp}; f=$d/bootimage-").append(tag)
                .append("; { ( ").append(command).append(" ) >\"$f.o\" 2>\"$f.e\"; r=$?; } 2>/dev/null;")
                .append(" [ -s \"$f.o\" ] && cat \"$f.o\"; [ -s \"$f.e\" ] && cat \"$f.e\" >&2;");
        if (!delete.isEmpty()) {
            // Earlier commands' files, in the background with no descriptor of the session: not waited for.
            b.append(" rm -f --");
            for (String t : delete) {
                b.append(" \"$d/bootimage-").append(t).append(".o\" \"$d/bootimage-").append(t).append(".e\"");
            }
            b.append(" </dev/null >/dev/null 2>&1 &");
        }
        return b.append(" exit $r").toString();
    }

    /**
     * Reads stdout, then stderr, on the calling thread: the wrapper sends stdout first, and the channel's
     * window ({@link #CHANNEL_WINDOW}) holds all of stderr meanwhile, so no thread hand-off is needed.
     */
    private ExecResult run(ExecRequest request, Session session, Session.Command cmd, AtomicBoolean timedOut, long start,
                           Duration timeout) throws IOException, ExecutionException, InterruptedException {
        byte[] stdin = request.stdin();
        Future<?> in = stdin.length <= INLINE_STDIN ? null : pumps.submit(() -> SshSessions.writeStdin(cmd, stdin));
        if (in == null) {
            SshSessions.writeStdin(cmd, stdin);
        }
        byte[] stdout = SshSessions.readOrEmpty(cmd.getInputStream(), timedOut);
        byte[] stderr = SshSessions.readOrEmpty(cmd.getErrorStream(), timedOut);
        if (!timedOut.get()) {
            cmd.join(Math.max(1, start + timeout.toNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        if (timedOut.get()) {
            if (in != null) {
                in.cancel(true);
            }
            throw timeoutException(request, timeout);
        }
        session.close();
        return SshSessions.result(target.machine(), request, cmd, stdout, stderr, Duration.ofNanos(System.nanoTime() - start));
    }

    private CommandTimeoutException timeoutException(ExecRequest request, Duration timeout) {
        return Failures.timedOut(target.machine(), "ssh", request.commandLine(), timeout, true, null);
    }

    private void acquire(ExecRequest request) {
        try {
            sessions.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failures.interrupted(target.machine(), "ssh", request.commandLine(), true);
        }
    }

    CommandFailedException gone(ExecRequest request, String why, Throwable cause) {
        return gone(request, why, cause, cause);
    }

    /** @param described a cause whose message the message quotes in parentheses, or null when {@code why} already says it */
    private CommandFailedException gone(ExecRequest request, String why, Throwable described, Throwable cause) {
        return Failures.sshGone(target.machine(), request.commandLine(), why, described == null ? null : describe(described),
                !target.alive().getAsBoolean(), target.tail(), cause);
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    @Override
    public void copyTo(Path hostPath, String guestPath) {
        acquire(ExecRequest.of("copyTo", hostPath.toString(), guestPath));
        try {
            new SftpCopy(this, target.machine()).copyTo(hostPath, guestPath);
        } finally {
            sessions.release();
        }
    }

    @Override
    public void copyFrom(String guestPath, Path hostPath) {
        acquire(ExecRequest.of("copyFrom", guestPath, hostPath.toString()));
        try {
            new SftpCopy(this, target.machine()).copyFrom(guestPath, hostPath);
        } finally {
            sessions.release();
        }
    }

    /** Runs without taking a session permit (for copies, which hold one already). */
    ExecResult execHeld(ExecRequest request, Duration timeout) {
        sessions.release();
        try {
            return exec(request, timeout);
        } finally {
            sessions.acquireUninterruptibly();
        }
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        synchronized (this) {
            closed = true;
            synchronized (idleAgents) {
                // Closing a session ends its agent's input: the agent exits and its directory is removed.
                idleAgents.forEach(AgentSession::close);
                openAgents -= idleAgents.size();
                idleAgents.clear();
            }
            deleteFinished();
            try {
                if (client != null) {
                    client.disconnect();
                }
            } catch (IOException e) {
                failure = new io.github.bootimage.BootImageException("Closing the SSH connection to machine "
                        + target.machine() + " failed: " + e.getMessage(), e);
            }
            pumps.shutdownNow();
        }
        try {
            target.keys().close();
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

    /** Deletes the output files of the finished commands no batch took yet, over one last session. */
    private void deleteFinished() {
        SSHClient c = client;
        if (c == null || !c.isConnected() || (finished.isEmpty() && !startedAgents)) {
            return;
        }
        StringBuilder script = new StringBuilder("d=/run; [ -w /run ] || d=${TMPDIR:-/tmp}; rm -rf -- \"$d\"/bootimage-agent-")
                .append(tagPrefix).append("-*; rm -f --");
        for (String t; (t = finished.poll()) != null; ) {
            finishedCount.decrementAndGet();
            script.append(" \"$d/bootimage-").append(t).append(".o\" \"$d/bootimage-").append(t).append(".e\"");
        }
        try (Session s = SshSessions.startSession(c)) {
            s.exec(script.toString()).join(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "deleting finished commands' files on " + target.machine() + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Session s) {
        try {
            s.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing a timed-out session: " + e);
        }
    }

    private static void closeQuietly(SSHClient c) {
        if (c == null) {
            return;
        }
        try {
            c.disconnect();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "disconnect: " + e);
        }
    }
}
