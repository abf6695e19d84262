package io.github.bootimage.boot;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A minimal client of qemu's machine protocol (QMP) over its Unix socket: enough to ask the guest
 * to power off ({@code system_powerdown}), ask for the run state, and tell qemu to {@code quit}.
 * Every call has a timeout; a call that does not answer in time closes the connection.
 */
final class QemuMonitor implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader reader;

    private QemuMonitor(SocketChannel channel) {
        this.channel = channel;
        this.reader = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
    }

    /** Connects and negotiates capabilities. */
    static QemuMonitor connect(Path socket, Duration timeout) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            QemuMonitor m = new QemuMonitor(ch);
            m.call(null, timeout); // the greeting
            m.call("qmp_capabilities", timeout);
            return m;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Runs a command and returns qemu's answer line ({@code {"return": ...}}); with a null command,
     * reads the greeting. Events that arrive meanwhile are skipped.
     *
     * @throws IOException when qemu answers with an error, closes the socket, or does not answer in time
     */
    String call(String command, Duration timeout) throws IOException {
        return call(command, command == null ? null : "{\"execute\":\"" + command + "\"}", timeout);
    }

    /** Runs a command given as a whole JSON request ({@code command} names it in messages). */
    String call(String command, String json, Duration timeout) throws IOException {
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
            try {
                if (json != null) {
                    channel.write(ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.UTF_8)));
                }
                String line;
                while ((line = reader.readLine()) != null) {
                    if (command == null ? line.contains("\"QMP\"") : line.contains("\"return\"")) {
                        return line;
                    }
                    if (line.contains("\"error\"")) {
                        throw new IOException("qemu answered " + command + " with " + line);
                    }
                }
                throw new IOException("qemu closed its monitor socket");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            close();
            throw new IOException("qemu did not answer " + (command == null ? "the monitor greeting" : command)
                    + " within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable c = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
            throw c instanceof IOException io ? io : new IOException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while talking to qemu's monitor");
        }
    }

    /** The guest's run state, such as "running", "paused" or "internal-error". */
    String status(Duration timeout) throws IOException {
        String line = call("query-status", timeout);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"status\":\\s*\"([^\"]+)\"").matcher(line);
        return m.find() ? m.group(1) : "unknown";
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a socket to a process that is going away
        }
    }
}
