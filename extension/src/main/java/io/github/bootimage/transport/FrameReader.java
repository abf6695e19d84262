package io.github.bootimage.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Reads the agent's stream line by line and sorts the lines: frames (see {@code console-agent.sh})
 * complete the futures of their commands, the agent's own signals (ready, send stdin) are noted, and
 * every other line goes to {@code other} (the console log). A frame's data lines carry a prefix
 * ({@code O:}, {@code E:}), so a stray line in the middle of a frame is set apart; a stray fragment
 * inside a data line is caught by the frame's check, not here.
 */
final class FrameReader {
    /** A frame as it arrived: base64 chunks and the agent's END line. */
    record Frame(long id, List<String> out, List<String> err, String[] end) {
        int exitCode() {
            return Integer.parseInt(end[2]);
        }

        String flag() {
            return end[3];
        }
    }

    /** Lines longer than this that are not part of a frame are cut (a console writer without newlines). */
    static final int MAX_OTHER_LINE = 1 << 20;

    final Map<Long, CompletableFuture<Frame>> pending = new ConcurrentHashMap<>();
    final Map<Long, CompletableFuture<Void>> sendGo = new ConcurrentHashMap<>();
    private final Consumer<String> other;
    private final Consumer<String> partial;
    private volatile boolean ready;
    private Frame current;

    /**
     * @param other   lines that are not the agent's
     * @param partial the line being written, while it is short (a login prompt shows there); may be null
     */
    FrameReader(Consumer<String> other, Consumer<String> partial) {
        this.other = other;
        this.partial = partial;
    }

    boolean ready() {
        return ready;
    }

    /** Reads until the stream ends or fails; the caller then fails what is pending. */
    void readAll(InputStream in) throws IOException {
        byte[] buf = new byte[65536];
        ByteArrayOutputStream line = new ByteArrayOutputStream();
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
            if (current == null && line.size() > MAX_OTHER_LINE) {
                onLine(line.toString(StandardCharsets.UTF_8));
                line.reset();
            }
            if (partial != null) {
                partial.accept(line.size() < 4096 ? line.toString(StandardCharsets.UTF_8) : "");
            }
        }
    }

    /** Fails every command and stdin hand-off still waiting. */
    void failAll(IOException why) {
        pending.values().forEach(f -> f.completeExceptionally(why));
        sendGo.values().forEach(f -> f.completeExceptionally(why));
    }

    void onLine(String raw) {
        String l = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
        Frame f = current;
        if (f != null) {
            if (l.startsWith("O:")) {
                f.out().add(l.substring(2));
                return;
            }
            if (l.startsWith("E:")) {
                f.err().add(l.substring(2));
                return;
            }
            if (l.startsWith("@@BI-END ")) {
                String[] p = l.split(" ");
                current = null;
                if (p.length >= 8 && p[1].equals(Long.toString(f.id()))) {
                    CompletableFuture<Frame> fut = pending.remove(f.id());
                    if (fut != null) {
                        fut.complete(new Frame(f.id(), f.out(), f.err(), p));
                    }
                    return;
                }
            }
        }
        if (l.startsWith("@@BI-BEGIN ")) {
            try {
                current = new Frame(Long.parseLong(l.substring(11).strip()), new ArrayList<>(), new ArrayList<>(), null);
                return;
            } catch (NumberFormatException ignored) {
                // not the agent's
            }
        }
        if (l.startsWith("@@BI-SEND ")) {
            try {
                CompletableFuture<Void> go = sendGo.remove(Long.parseLong(l.substring(10).strip()));
                if (go != null) {
                    go.complete(null);
                    return;
                }
            } catch (NumberFormatException ignored) {
                // not the agent's
            }
        }
        if (l.startsWith("@@BI-READY")) {
            ready = true;
            return;
        }
        other.accept(l);
    }
}
