package io.github.bootimage.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

import io.github.bootimage.CommandFailedException;
import io.github.bootimage.CommandTimeoutException;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.MachineLaunchException;

/**
 * Commands over the guest's console: once the autologin root shell shows its prompt, a small agent
 * script is started in it (raw terminal, no echo, no prompt) that reads one command per line and
 * answers with a frame carrying stdout and stderr as base64 and the exit code. Commands travel
 * {@code printf %b}-escaped, so any bytes reach the guest exactly, and nothing the terminal does to
 * echo, prompts or line endings can change a result. Output outside frames is the console log.
 */
public final class ConsoleTransport implements CommandTransport {
    private static final System.Logger LOG = System.getLogger(ConsoleTransport.class.getName());
    private static final Pattern PROMPT = Pattern.compile("(?s).*[#$][ \\u001b\\[\\dmK;?]*$");
    private static final String AGENT = loadAgent();
    private static final Pattern BASE64_LINE = Pattern.compile("[A-Za-z0-9+/=]*");
    /** Stdin bigger than this travels as a raw base64 stream after the command line (see console-agent.sh). */
    static final int STREAM_STDIN = 16 * 1024;
    private static final String STDERR_MARK = "@@BI-STDERR";

    private final String machine;
    private final InputStream in;
    private final OutputStream out;
    private final BooleanSupplier alive;
    private final Supplier<String> exitDescription;
    private final ConsoleLog log = new ConsoleLog();
    private final Map<Long, CompletableFuture<Frame>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final Thread reader;
    private final Object sendLock = new Object();

    private volatile boolean ready;
    private volatile boolean eof;
    private volatile long bootstrapSentAt;
    private volatile Frame current;
    private final Map<Long, CompletableFuture<Void>> sendGo = new ConcurrentHashMap<>();

    private record Frame(long id, List<String> lines, int exitCode, boolean timedOut) {
    }

    /**
     * @param machine         the machine's name, for messages
     * @param consoleOutput   what the guest prints on its console
     * @param consoleInput    what the guest reads from its console
     * @param alive           whether the guest's process still runs
     * @param exitDescription how it ended, for messages
     */
    public ConsoleTransport(String machine, InputStream consoleOutput, OutputStream consoleInput,
                            BooleanSupplier alive, Supplier<String> exitDescription) {
        this.machine = machine;
        this.in = consoleOutput;
        this.out = consoleInput;
        this.alive = alive;
        this.exitDescription = exitDescription;
        this.reader = new Thread(this::readLoop, "bootimage-console-" + machine);
        this.reader.setDaemon(true);
        this.reader.start();
    }

    @Override
    public String name() {
        return "console";
    }

    private static String loadAgent() {
        try (InputStream s = ConsoleTransport.class.getResourceAsStream("console-agent.sh")) {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("console-agent.sh missing from the bootimage jar", e);
        }
    }

    /**
     * Waits until the agent runs in the guest's shell.
     *
     * @throws MachineLaunchException when the guest dies or the timeout passes, with the console tail
     */
    public void awaitReady(Duration timeout) {
        try {
            Awaitility.await("console of machine " + machine + " to become ready")
                    .atMost(timeout)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(2))
                    .pollInSameThread()
                    .failFast("the guest's process ended", () -> eof && !ready)
                    .until(() -> {
                        maybeBootstrap();
                        return ready;
                    });
        } catch (TerminalFailureException e) {
            throw new MachineLaunchException("Machine " + machine + " stopped while booting ("
                    + exitDescription.get() + ") before its console answered. Console tail:\n" + consoleTail(40));
        } catch (ConditionTimeoutException e) {
            throw new MachineLaunchException("Machine " + machine + " did not boot within " + timeout.toSeconds()
                    + " s: no autologin shell answered on its console (" + exitDescription.get()
                    + "). Raise bootTimeout or bootimage.timeout.boot if the host is slow. Console tail:\n"
                    + consoleTail(40));
        }
    }

    private void maybeBootstrap() {
        if (ready) {
            return;
        }
        String p = log.partial();
        long now = System.nanoTime();
        if (PROMPT.matcher(p).matches() && now - bootstrapSentAt > TimeUnit.SECONDS.toNanos(2)) {
            bootstrapSentAt = now;
            String b64 = Base64.getEncoder().encodeToString(AGENT.getBytes(StandardCharsets.UTF_8));
            send(" stty -echo; d=${BOOTIMAGE_AGENT_DIR:-/run/bootimage}; mkdir -p \"$d\"; printf %s " + b64
                    + " | base64 -d >\"$d/agent.sh\"; exec bash \"$d/agent.sh\"\n");
        }
    }

    private void send(String line) {
        synchronized (sendLock) {
            try {
                out.write(line.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("Could not write to the console of machine " + machine, e);
            }
        }
    }

    private void readLoop() {
        byte[] buf = new byte[65536];
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        line.write(buf, start, i - start);
                        onLine(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                        start = i + 1;
                    }
                }
                line.write(buf, start, n - start);
                log.setPartial(line.toString(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "Console of " + machine + " closed: " + e.getMessage());
        } finally {
            eof = true;
            for (int i = 0; i < 20 && alive.getAsBoolean(); i++) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    break;
                }
            }
            String why = "the machine stopped (" + exitDescription.get() + ")";
            pending.values().forEach(f -> f.completeExceptionally(new IOException(why)));
            sendGo.values().forEach(f -> f.completeExceptionally(new IOException(why)));
        }
    }

    private void onLine(String raw) {
        String l = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
        Frame f = current;
        if (f != null) {
            if (l.startsWith("@@BI-END ")) {
                String[] p = l.split(" ");
                current = null;
                if (p.length >= 4 && Long.parseLong(p[1]) == f.id()) {
                    CompletableFuture<Frame> fut = pending.remove(f.id());
                    if (fut != null) {
                        fut.complete(new Frame(f.id(), f.lines(), Integer.parseInt(p[2]), "timeout".equals(p[3])));
                    }
                    return;
                }
            } else if (BASE64_LINE.matcher(l).matches() || l.equals(STDERR_MARK)) {
                f.lines().add(l);
                return;
            }
        }
        if (l.startsWith("@@BI-BEGIN ")) {
            try {
                current = new Frame(Long.parseLong(l.substring(11).strip()), new ArrayList<>(), 0, false);
                return;
            } catch (NumberFormatException ignored) {
                // not ours
            }
        }
        if (l.startsWith("@@BI-SEND ")) {
            CompletableFuture<Void> go = sendGo.remove(Long.parseLong(l.substring(10).strip()));
            if (go != null) {
                go.complete(null);
                return;
            }
        }
        if (l.startsWith("@@BI-READY")) {
            ready = true;
            return;
        }
        log.appendLine(l);
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
        if (!ready || eof) {
            throw gone(request, "its console is not answering (" + exitDescription.get() + ")");
        }
        long start = System.nanoTime();
        synchronized (this) {
            long id = ids.incrementAndGet();
            CompletableFuture<Frame> fut = new CompletableFuture<>();
            pending.put(id, fut);
            byte[] stdin = request.stdin();
            String secs = String.format(java.util.Locale.ROOT, "%.3f", timeout.toMillis() / 1000.0);
            String line = (binaryOut ? "b" : "") + id + " " + secs + " " + escape(command.getBytes(StandardCharsets.UTF_8)) + " ";
            if (stdin.length > STREAM_STDIN) {
                CompletableFuture<Void> go = new CompletableFuture<>();
                sendGo.put(id, go);
                send(line + "#" + (4L * ((stdin.length + 2) / 3)) + "\n");
                try {
                    go.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    pending.remove(id);
                    throw gone(request, "the console agent did not ask for the command's stdin within 30 s");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CommandFailedException("Interrupted while running [" + request.commandLine()
                            + "] on machine " + machine, null);
                } finally {
                    sendGo.remove(id);
                }
                sendStream(stdin);
            } else {
                send(line + (stdin.length == 0 ? "-" : escape(stdin)) + "\n");
            }
            Frame f;
            try {
                f = fut.get(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                pending.remove(id);
                throw new CommandTimeoutException("Command [" + request.commandLine() + "] on machine " + machine
                        + " (console) got no answer within " + timeout.toMillis() + " ms plus 10 s of grace: the guest"
                        + " is hung or its console is blocked. Console tail:\n" + consoleTail(20));
            } catch (ExecutionException e) {
                pending.remove(id);
                throw gone(request, e.getCause().getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommandFailedException("Interrupted while running [" + request.commandLine() + "] on machine "
                        + machine, null);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            int split = binaryOut ? f.lines().indexOf(STDERR_MARK) : 1;
            if (split < 0) {
                throw gone(request, "its answer frame had no " + STDERR_MARK + " line");
            }
            byte[] stdout = decode(f.lines().subList(0, Math.min(split, f.lines().size())));
            byte[] stderr = f.lines().size() > split + (binaryOut ? 1 : 0)
                    ? decode(List.of(f.lines().get(split + (binaryOut ? 1 : 0)))) : new byte[0];
            if (f.timedOut()) {
                ExecResult result = ExecResult.of(f.exitCode(), binaryOut ? new byte[0] : stdout, stderr, took);
                throw new CommandTimeoutException("Command [" + request.commandLine() + "] on machine " + machine
                        + " (console) timed out after " + timeout.toMillis() + " ms and was killed; the machine is"
                        + " still usable. Pass a longer timeout with ExecRequest.withTimeout(...) or set"
                        + " bootimage.timeout.command. Output so far:" + result.toString().replaceFirst("^[^\n]*", ""));
            }
            return new Bytes(f.exitCode(), stdout, stderr, took);
        }
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
                throw new UncheckedIOException("Could not write to the console of machine " + machine, e);
            }
        }
    }

    private CommandFailedException gone(ExecRequest request, String why) {
        return new CommandFailedException("Cannot run [" + request.commandLine() + "] on machine " + machine
                + " (console): " + why + ". The guest may have powered itself off or crashed. Console tail:\n"
                + consoleTail(20), null);
    }

    private static byte[] decode(List<String> lines) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (String l : lines) {
            b.writeBytes(Base64.getDecoder().decode(l));
        }
        return b.toByteArray();
    }

    @Override
    public void copyTo(Path hostPath, String guestPath) {
        TarCopy.copyTo(this, hostPath, guestPath);
    }

    @Override
    public void copyFrom(String guestPath, Path hostPath) {
        TarCopy.copyFrom(this, guestPath, hostPath);
    }

    @Override
    public void close() {
        eof = true;
        reader.interrupt();
    }
}
