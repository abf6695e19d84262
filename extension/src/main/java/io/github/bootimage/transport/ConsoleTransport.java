package io.github.bootimage.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.github.bootimage.failure.Failures;
import io.github.bootimage.CommandFailedException;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.process.Waits;

/**
 * Commands through the bootimage agent, a small bash script in the guest that reads one command per
 * line and answers with a frame carrying stdout and stderr as base64, the exit code, and the byte
 * length and POSIX {@code cksum} of both outputs. Commands travel {@code printf %b}-escaped, so any
 * bytes reach the guest exactly.
 *
 * <p><b>Where the agent runs.</b> Over the agent's own channel ({@link #overChannel}): the image's
 * {@code bootimage-agent.service} starts it on FIFOs bound into a container or on a VM's
 * virtio-serial port, which nothing else in the guest writes to; the console is then only read, into
 * the console log. The console fallback ({@link #ConsoleTransport(String, InputStream, OutputStream,
 * BooleanSupplier, Supplier)}) starts the agent in the console's autologin root shell; services and
 * the kernel write to that console too, so a frame can be broken there.
 *
 * <p><b>Exact or an error.</b> The host checks each frame's lengths and checksums: a frame that
 * arrived with other bytes is a {@link CommandFailedException} naming the machine, the command and what
 * arrived, never a result; the next command runs as usual. Output outside frames is the console log.
 */
public final class ConsoleTransport implements CommandTransport {
    private static final System.Logger LOG = System.getLogger(ConsoleTransport.class.getName());
    private static final Pattern PROMPT = Pattern.compile("(?s).*[#$][ \\u001b\\[\\dmK;?]*$");
    private static final String AGENT = loadAgent();
    /** The agent script as base64, as the console bootstrap and SSH agent sessions send it. */
    private static final String AGENT_BASE64 = Base64.getEncoder().encodeToString(AGENT.getBytes(StandardCharsets.UTF_8));
    /** How long past a command's timeout the transport waits for the agent's own timeout report. */
    static final Duration ANSWER_GRACE = Duration.ofSeconds(10);
    /** Stdin bigger than this travels as a raw base64 stream after the command line (see console-agent.sh). */
    static final int STREAM_STDIN = 16 * 1024;

    private final String machine;
    private final String via;
    private final OutputStream out;
    private final BooleanSupplier alive;
    private final Supplier<String> exitDescription;
    private final ConsoleLog log = new ConsoleLog();
    private final FrameReader frames;
    private final AtomicLong ids = new AtomicLong();
    private final List<Thread> readers = new ArrayList<>();
    private final List<AutoCloseable> channelEnds = new ArrayList<>();
    private final Object sendLock = new Object();
    private final boolean bootstrap;

    private volatile boolean eof;
    private volatile long bootstrapSentAt;

    /**
     * The console fallback: the agent is sent over the console to its autologin shell.
     *
     * @param machine         the machine's name, for messages
     * @param consoleOutput   what the guest prints on its console
     * @param consoleInput    what the guest reads from its console
     * @param alive           whether the guest's process still runs
     * @param exitDescription how it ended, for messages
     */
    public ConsoleTransport(String machine, InputStream consoleOutput, OutputStream consoleInput,
                            BooleanSupplier alive, Supplier<String> exitDescription) {
        this(machine, "console", consoleOutput, consoleInput, null, alive, exitDescription, true);
    }

    private ConsoleTransport(String machine, String via, InputStream agentOutput, OutputStream agentInput,
                             InputStream consoleOnly, BooleanSupplier alive, Supplier<String> exitDescription,
                             boolean bootstrap) {
        this.machine = machine;
        this.via = via;
        this.out = agentInput;
        this.alive = alive;
        this.exitDescription = exitDescription;
        this.bootstrap = bootstrap;
        this.frames = new FrameReader(log::appendLine, bootstrap ? log::setPartial : null);
        if (consoleOnly != null) {
            // The console ends only with the guest: the channel's FIFOs, open for reading and writing, never do.
            FrameReader consoleLines = new FrameReader(log::appendLine, log::setPartial);
            readers.add(reader("bootimage-console-" + machine, () -> consoleLines.readAll(consoleOnly)));
        }
        readers.add(reader("bootimage-agent-" + machine, () -> frames.readAll(agentOutput)));
        readers.forEach(Thread::start);
    }

    /**
     * Commands over the agent's own channel: the image's agent service opens the other ends of the two
     * FIFOs; the console is only read, into the console log.
     *
     * @param toGuest   the FIFO the agent reads requests from
     * @param fromGuest the FIFO the agent writes frames to
     */
    public static ConsoleTransport overChannel(String machine, InputStream consoleOutput, Path toGuest, Path fromGuest,
                                               BooleanSupplier alive, Supplier<String> exitDescription) {
        try {
            // Read and write, so opening a FIFO never waits for the other end and the host never sees an early EOF.
            FileChannel w = FileChannel.open(toGuest, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileChannel r = FileChannel.open(fromGuest, StandardOpenOption.READ, StandardOpenOption.WRITE);
            ConsoleTransport t = new ConsoleTransport(machine, "agent channel", Channels.newInputStream(r),
                    Channels.newOutputStream(w), consoleOutput, alive, exitDescription, false);
            t.channelEnds.add(w);
            t.channelEnds.add(r);
            return t;
        } catch (IOException e) {
            throw new MachineLaunchException("Could not open the agent's channel " + toGuest + " / " + fromGuest
                    + " of machine " + machine + ": " + e.getMessage(), e);
        }
    }

    /**
     * Commands through an agent started on a stream of its own, such as an SSH session's pipes
     * ({@link SshTransport}): nothing else writes to it, and there is no console to read.
     *
     * @param via             how commands travel, for messages ("ssh")
     * @param agentOutput     where the agent's frames arrive
     * @param agentInput      where requests go
     * @param exitDescription how the stream ended, for messages
     */
    static ConsoleTransport overStream(String machine, String via, InputStream agentOutput, OutputStream agentInput,
                                       Supplier<String> exitDescription) {
        return new ConsoleTransport(machine, via, agentOutput, agentInput, null, () -> false, exitDescription, false);
    }

    /** Whether the agent's stream has ended (or the transport was closed): no command can run any more. */
    boolean ended() {
        return eof;
    }

    private interface Reading {
        void run() throws IOException;
    }

    private Thread reader(String name, Reading reading) {
        Thread t = new Thread(() -> {
            try {
                reading.run();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, name + " closed: " + e.getMessage());
            } finally {
                streamEnded();
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    private void streamEnded() {
        eof = true;
        for (int i = 0; i < 20 && alive.getAsBoolean(); i++) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                break;
            }
        }
        frames.failAll(new IOException("the machine stopped (" + exitDescription.get() + ")"));
    }

    @Override
    public String name() {
        return "console";
    }

    /** How commands travel: "agent channel" or "console". */
    public String via() {
        return via;
    }

    private static String loadAgent() {
        try (InputStream s = ConsoleTransport.class.getResourceAsStream("console-agent.sh")) {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("console-agent.sh missing from the bootimage jar", e);
        }
    }

    /** The agent script, as the image carries it at {@code /usr/lib/bootimage/agent.sh}. */
    public static String agentScript() {
        return AGENT;
    }

    /**
     * agent-spawn (extension/src/main/c/agent-spawn.c, a static x86-64 program the build puts into the jar), as
     * an image carries it at {@code /usr/lib/bootimage/agent-spawn}: the agent starts plain commands through
     * it. Empty on other machines, whose images then go without (the agent forks for each command).
     */
    public static Optional<byte[]> agentSpawn() {
        return agentSpawnRuns() ? Optional.of(builtResource("agent-spawn")) : Optional.empty();
    }

    /**
     * agent-spawn's C source, as the jar carries it beside the program, where images carry agent-spawn: their
     * cache keys depend on it (not on the program's bytes, which depend on the host's compiler).
     */
    public static Optional<byte[]> agentSpawnSource() {
        return agentSpawnRuns() ? Optional.of(builtResource("agent-spawn.c")) : Optional.empty();
    }

    /** Whether agent-spawn (a static x86-64 program) runs on this machine, and so in its guests. */
    private static boolean agentSpawnRuns() {
        String arch = System.getProperty("os.arch");
        return arch.equals("amd64") || arch.equals("x86_64");
    }

    /** A file the extension's build puts into the jar (see extension/pom.xml). */
    private static byte[] builtResource(String name) {
        try (InputStream s = ConsoleTransport.class.getResourceAsStream(name)) {
            if (s == null) {
                throw new IllegalStateException(name + " is missing from the bootimage jar: build the extension"
                        + " with gcc and libc6-dev installed (scripts/setup-host.sh installs them)");
            }
            return s.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + name + " from the bootimage jar", e);
        }
    }

    /**
     * Tells the agent to fork for every command itself, not through agent-spawn (bootimage.agent.spawn=false:
     * the agent as it was before agent-spawn, kept to compare). Call it before the first command.
     */
    public void forkEachCommand() {
        send("nospawn\n");
    }

    /** The agent script as base64 (decoded in the guest with {@code base64 -d}). */
    static String agentScriptBase64() {
        return AGENT_BASE64;
    }

    /**
     * Waits until the agent runs in the guest.
     *
     * @throws MachineLaunchException when the guest dies or the timeout passes, with the console tail
     */
    public void awaitReady(Duration timeout) {
        Waits.Outcome o = Waits.until((bootstrap ? "console" : "agent channel") + " of machine " + machine
                + " to become ready", timeout, Duration.ofMillis(2), () -> eof && !frames.ready(), () -> {
                    maybeBootstrap();
                    return frames.ready();
                });
        if (o == Waits.Outcome.IMPOSSIBLE) {
            throw Failures.stoppedWhileBooting(machine, via, exitDescription.get(), consoleTail(40));
        }
        if (o == Waits.Outcome.TIMED_OUT) {
            throw Failures.bootTimedOut(machine, timeout, bootstrap, exitDescription.get(), consoleTail(40));
        }
    }

    private void maybeBootstrap() {
        if (!bootstrap || frames.ready()) {
            return;
        }
        String p = log.partial();
        long now = System.nanoTime();
        if (PROMPT.matcher(p).matches() && now - bootstrapSentAt > TimeUnit.SECONDS.toNanos(2)) {
            bootstrapSentAt = now;
            send(" stty -echo; d=${BOOTIMAGE_AGENT_DIR:-/run/bootimage}; mkdir -p \"$d\"; printf %s " + AGENT_BASE64
                    + " | base64 -d >\"$d/agent.sh\"; exec bash \"$d/agent.sh\"\n");
        }
    }

    private void send(String line) {
        synchronized (sendLock) {
            try {
                out.write(line.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("Could not write to the " + via + " of machine " + machine, e);
            }
        }
    }

    /** Everything the console showed outside command frames. */
    public String consoleLog() {
        return log.text();
    }

    /** The last lines of the console log. */
    public String consoleTail(int lines) {
        return log.tail(lines);
    }

    /** Escapes bytes for the agent's {@code printf %b}: safe ASCII stays, everything else is \xHH. */
    static String escape(byte[] bytes) {
        StringBuilder b = new StringBuilder(bytes.length + 16);
        for (byte x : bytes) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "_./=:,+@%^".indexOf(c) >= 0) {
                b.append((char) c);
            } else {
                b.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            }
        }
        return b.toString();
    }

    @Override
    public ExecResult exec(ExecRequest request, Duration defaultTimeout) {
        Bytes b = run(request, defaultTimeout, false);
        return ExecResult.of(b.exitCode(), b.stdout(), b.stderr(), b.duration());
    }

    /** A command's result with its output as raw bytes (for file copies). */
    record Bytes(int exitCode, byte[] stdout, byte[] stderr, Duration duration) {
    }

    /**
     * Runs a command whose stdout is binary and may be large: it comes back as wrapped base64 lines
     * instead of one line, and stays bytes.
     */
    Bytes execBinary(ExecRequest request, Duration defaultTimeout) {
        return run(request, defaultTimeout, true);
    }

    private Bytes run(ExecRequest request, Duration defaultTimeout, boolean binaryOut) {
        Duration timeout = request.timeout() != null ? request.timeout() : defaultTimeout;
        String command = ShellCommand.render(request);
        if (!frames.ready() || eof) {
            throw gone(request, "its " + via + " is not answering (" + exitDescription.get() + ")");
        }
        long start = System.nanoTime();
        synchronized (this) {
            long id = ids.incrementAndGet();
            CompletableFuture<FrameReader.Frame> fut = new CompletableFuture<>();
            frames.pending.put(id, fut);
            byte[] stdin = request.stdin();
            String secs = String.format(java.util.Locale.ROOT, "%.3f", timeout.toMillis() / 1000.0);
            String line = (binaryOut ? "b" : "") + id + " " + secs + " " + escape(command.getBytes(StandardCharsets.UTF_8)) + " ";
            if (stdin.length > STREAM_STDIN) {
                CompletableFuture<Void> go = new CompletableFuture<>();
                frames.sendGo.put(id, go);
                send(line + "#" + (4L * ((stdin.length + 2) / 3)) + ":" + stdin.length + ":" + Cksum.of(stdin) + "\n");
                try {
                    go.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    frames.pending.remove(id);
                    throw gone(request, "the agent did not ask for the command's stdin within 30 s");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw Failures.interrupted(machine, via, request.commandLine(), false);
                } finally {
                    frames.sendGo.remove(id);
                }
                sendStream(stdin);
            } else {
                send(line + (stdin.length == 0 ? "-" : escape(stdin)) + "\n");
            }
            FrameReader.Frame f;
            try {
                f = fut.get(timeout.toMillis() + ANSWER_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                frames.pending.remove(id);
                throw Failures.noAnswer(machine, via, request.commandLine(), timeout, ANSWER_GRACE, consoleTail(20));
            } catch (ExecutionException e) {
                frames.pending.remove(id);
                throw gone(request, e.getCause().getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Failures.interrupted(machine, via, request.commandLine(), false);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            if (f.flag().equals("badinput")) {
                throw Failures.stdinDamaged(machine, via, request.commandLine(), stdin.length, Cksum.of(stdin), consoleTail(20));
            }
            byte[] stdout = checked(request, f, "stdout", f.out(), 4, 5);
            byte[] stderr = checked(request, f, "stderr", f.err(), 6, 7);
            if (f.flag().equals("timeout")) {
                ExecResult result = ExecResult.of(f.exitCode(), binaryOut ? new byte[0] : stdout, stderr, took);
                throw Failures.timedOut(machine, via, request.commandLine(), timeout, false, result);
            }
            return new Bytes(f.exitCode(), stdout, stderr, took);
        }
    }

    /** Decodes one output of a frame and checks it against the length and cksum the agent computed. */
    private byte[] checked(ExecRequest request, FrameReader.Frame f, String what, List<String> chunks, int lenAt, int sumAt) {
        long wantLen = Long.parseLong(f.end()[lenAt]);
        long wantSum = Long.parseLong(f.end()[sumAt]);
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        String problem = null;
        try {
            for (String c : chunks) {
                b.writeBytes(Base64.getDecoder().decode(c));
            }
        } catch (IllegalArgumentException e) {
            problem = "its base64 did not decode (" + e.getMessage() + ")";
        }
        byte[] got = b.toByteArray();
        if (problem == null && (got.length != wantLen || Cksum.of(got) != wantSum)) {
            problem = got.length + " bytes with cksum " + Cksum.of(got) + " arrived";
        }
        if (problem == null) {
            return got;
        }
        String sample = String.join("|", chunks);
        throw Failures.answerDamaged(machine, via, request.commandLine(), what, wantLen, wantSum, problem, chunks.size(),
                sample, consoleTail(20));
    }

    /** Sends stdin as exactly 4*ceil(n/3) base64 characters, once the agent asked for it. */
    private void sendStream(byte[] data) {
        synchronized (sendLock) {
            try {
                OutputStream keepOpen = new java.io.FilterOutputStream(out) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        flush();
                    }
                };
                try (OutputStream enc = Base64.getEncoder().wrap(keepOpen)) {
                    for (int off = 0; off < data.length; off += 48 * 1024) {
                        enc.write(data, off, Math.min(48 * 1024, data.length - off));
                    }
                }
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("Could not write to the " + via + " of machine " + machine, e);
            }
        }
    }

    private CommandFailedException gone(ExecRequest request, String why) {
        return Failures.consoleGone(machine, via, request.commandLine(), why, consoleTail(20));
    }

    @Override
    public void copyTo(Path hostPath, String guestPath) {
        TarCopy.copyTo(this, machine, via, hostPath, guestPath);
    }

    @Override
    public void copyFrom(String guestPath, Path hostPath) {
        TarCopy.copyFrom(this, machine, via, guestPath, hostPath);
    }

    @Override
    public void close() {
        eof = true;
        for (AutoCloseable c : channelEnds) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the agent channel of " + machine + ": " + e);
            }
        }
        readers.forEach(Thread::interrupt);
    }
}
