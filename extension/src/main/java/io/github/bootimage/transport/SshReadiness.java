package io.github.bootimage.transport;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;


import io.github.bootimage.failure.Failures;
import io.github.bootimage.process.Waits;

/**
 * Waits until the guest's sshd answers with its {@code SSH-2.0} banner (the check sshj's own
 * {@code SshServerWaitStrategy} makes), polled with awaitility: explicit timeout, fails fast when the
 * guest stops, the last failure and the console tail in the message.
 */
final class SshReadiness {

    private SshReadiness() {
    }

    static void awaitBanner(SshTarget t, Duration timeout) {
        AtomicReference<String> last = new AtomicReference<>("not tried yet");
        Waits.Outcome o = Waits.until("sshd of machine " + t.machine() + " on " + t.host() + ":" + t.port(), timeout,
                Duration.ofMillis(50), () -> !t.alive().getAsBoolean(), () -> {
                    String why = probe(t.host(), t.port(), Duration.ofSeconds(2));
                    last.set(why);
                    return why == null;
                });
        if (o == Waits.Outcome.IMPOSSIBLE) {
            throw Failures.sshStoppedBeforeBanner(t.machine(), t.host() + ":" + t.port(), last.get(), t.tail());
        }
        if (o == Waits.Outcome.TIMED_OUT) {
            throw Failures.sshNoBanner(t.machine(), t.host() + ":" + t.port(), timeout, last.get(), t.tail());
        }
    }

    /** Null when an SSH-2.0 banner came, else what happened instead. */
    static String probe(String host, int port, Duration readTimeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) readTimeout.toMillis());
            s.setSoTimeout((int) readTimeout.toMillis());
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            // RFC 4253: the server may send other lines before its identification string.
            while ((c = in.read()) >= 0 && line.length() < 4096) {
                if (c == '\n') {
                    if (line.toString().startsWith("SSH-2.0")) {
                        return null;
                    }
                    line.setLength(0);
                } else {
                    line.append((char) c);
                }
            }
            return "the connection closed before an SSH-2.0 banner"
                    + (line.length() > 0 ? " (got: " + line.toString().strip() + ")" : "");
        } catch (java.net.SocketTimeoutException e) {
            return "no SSH-2.0 banner within " + readTimeout.toMillis() + " ms";
        } catch (java.net.ConnectException e) {
            return "connection refused";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
